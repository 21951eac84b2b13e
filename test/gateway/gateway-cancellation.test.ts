import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startScriptedUpstream, waitUntil, type ScriptedUpstream } from './scripted-upstream.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

/*
 * A client that leaves, mid-stream or before a plain answer: the upstream connection
 * is closed at once, the budget room the call reserved is given back, and the call is
 * stored as cancelled. The key's budget holds one call's worst case (1,000 output
 * tokens of gpt-4o-mini, $0.0006) but not two, so a second call in flight is refused
 * and a call after the cancelled one is admitted only if its reservation was released.
 */

let upstream: ScriptedUpstream
let gateway: Gateway
let client: OpenAI
const directory = makeTempDirectory('gateway-cancellation')
const solo = createVirtualKey()
const maxTokens = 1000
/** How soon after the client leaves the upstream must see its connection closed. */
const promptlyMs = 2_000

beforeAll(async () => {
  upstream = await startScriptedUpstream()
  const config = testConfig(upstream.url, {
    gateway: { keys: [{ name: 'solo', hash: solo.hash }] },
    budgets: [{ name: 'solo-one-at-a-time', match: { 'tag.key': 'solo' }, window: '1h', limitUsd: '0.0009' }],
  })
  gateway = await startTestGateway(directory.path, { config })
  client = new OpenAI({ apiKey: solo.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 })
}, 60_000)

afterAll(async () => {
  upstream?.release()
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

function request(content: string): { model: string; max_tokens: number; messages: Array<{ role: 'user'; content: string }> } {
  return { model: 'fast', max_tokens: maxTokens, messages: [{ role: 'user', content }] }
}

/**
 * A call that needs the room a left call held: it is admitted once the reservation
 * is released, which happens as the left call is settled, a moment after the client
 * leaves. Bounded: 20 tries 100 ms apart; without the release it would be refused
 * for the whole hour.
 */
async function admittedOnceReleased(): Promise<string | null | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const answer = await client.chat.completions.create(request('hi'))
      return answer.choices[0]?.message.content
    } catch (error) {
      if (attempt >= 20 || !(error instanceof OpenAI.RateLimitError)) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function refusalCode(promise: Promise<unknown>): Promise<string | null | undefined> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(OpenAI.RateLimitError)
  return (error as InstanceType<typeof OpenAI.RateLimitError>).code
}

interface StoredCall {
  ErrorType: string
  StatusCode: string
  Stream: boolean
}

/** The key's stored calls, once there are `count` of them (bounded wait: 20 s). */
async function storedCalls(count: number): Promise<StoredCall[]> {
  let rows: StoredCall[] = []
  for (let round = 0; round < 200; round += 1) {
    const result = await gateway.store.client.query({
      query: "SELECT ErrorType, StatusCode, Stream FROM llm_calls WHERE Tags['key'] = 'solo' ORDER BY Timestamp",
      format: 'JSONEachRow',
    })
    rows = await result.json<StoredCall>()
    if (rows.length >= count) return rows
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`fewer than ${count} calls of key solo were stored: ${JSON.stringify(rows)}`)
}

describe('a client that leaves', () => {
  it('mid-stream: the upstream stream is closed promptly and the budget room comes back', async () => {
    const controller = new AbortController()
    const stream = await client.chat.completions.create({ ...request('hold'), stream: true }, { signal: controller.signal })
    const iterator = stream[Symbol.asyncIterator]()
    const first = await iterator.next()
    expect(first.done).toBe(false)
    // While it is in flight, its reservation leaves no room for a second call.
    expect(await refusalCode(client.chat.completions.create(request('hi')))).toBe('budget_exceeded')
    const abandonedBefore = upstream.abandonedAt.length
    const leftAt = Date.now()
    controller.abort()
    await upstream.waitForAbandoned(abandonedBefore + 1, 5_000)
    expect(upstream.abandonedAt.at(-1)! - leftAt).toBeLessThan(promptlyMs)
    // The room is back: a call that needs it is admitted.
    await waitUntil(() => upstream.pending() === 0, 'the upstream to have no open answers', 5_000)
    expect(await admittedOnceReleased()).toBe('answered by gpt-4o-mini')
  })

  it('before a plain answer: the upstream call is closed promptly and the budget room comes back', async () => {
    const controller = new AbortController()
    const requestsBefore = upstream.requests.length
    const call = client.chat.completions.create(request('hold'), { signal: controller.signal }).then(() => 'answered', (error: unknown) => error)
    await upstream.waitForRequests(requestsBefore + 1, 5_000)
    expect(await refusalCode(client.chat.completions.create(request('hi')))).toBe('budget_exceeded')
    const abandonedBefore = upstream.abandonedAt.length
    const leftAt = Date.now()
    controller.abort()
    expect(await call).toBeInstanceOf(OpenAI.APIUserAbortError)
    await upstream.waitForAbandoned(abandonedBefore + 1, 5_000)
    expect(upstream.abandonedAt.at(-1)! - leftAt).toBeLessThan(promptlyMs)
    expect(await admittedOnceReleased()).toBe('answered by gpt-4o-mini')
  })

  // The client leaving aborts the call's signal, and the router records a call whose
  // caller's signal ended as error.type `aborted` (`cancelled` is its word for a lost
  // hedge or a stream the caller stopped reading in-process).
  it('stores both left calls as aborted by the caller, beside the answered ones', async () => {
    const rows = await storedCalls(4)
    const left = rows.filter((row) => row.ErrorType !== '')
    expect(left.map((row) => ({ errorType: row.ErrorType, status: row.StatusCode, stream: row.Stream }))).toEqual([
      { errorType: 'aborted', status: 'Error', stream: true },
      { errorType: 'aborted', status: 'Error', stream: false },
    ])
    expect(rows.filter((row) => row.ErrorType === '')).toHaveLength(2)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { parseUsd } from '../../src/pricing/parse-usd.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

/*
 * 200 requests at once on one virtual key whose budget admits only a few of them, and
 * another key's requests at the same time. The upstream answers every call with the
 * usage its worst case assumed (1,000 output tokens of gpt-4o-mini, no input), after a
 * delay, so every admitted call costs what it reserved and nothing settles early.
 * And a key's requests per minute under 100 requests at once: exactly its limit.
 */

let upstream: ScriptedUpstream
let gateway: Gateway
const directory = makeTempDirectory('gateway-budget-load')
const teamA = createVirtualKey()
const teamB = createVirtualKey()
const teamC = createVirtualKey()
const burst = createVirtualKey()
const burstPerMinute = 10
const limitUsd = '0.006'
const maxTokens = 1000

beforeAll(async () => {
  upstream = await startScriptedUpstream({ delayMs: 300, usage: { promptTokens: 0, completionTokens: maxTokens } })
  const config = testConfig(upstream.url, {
    gateway: { keys: [{ name: 'team-a', hash: teamA.hash }, { name: 'team-b', hash: teamB.hash }, { name: 'team-c', hash: teamC.hash }, { name: 'burst', hash: burst.hash, rateLimit: { requestsPerMinute: burstPerMinute } }] },
    budgets: [
      { name: 'team-a-hourly', match: { 'tag.key': 'team-a' }, window: '1h', limitUsd },
      { name: 'team-c-hourly', match: { 'tag.key': 'team-c' }, window: '1h', limitUsd },
    ],
  })
  gateway = await startTestGateway(directory.path, { config })
}, 60_000)

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

interface Outcome {
  status: number
  code: string | undefined
  retryAfter: string | null
  costUsd: string | null
}

async function ask(key: string): Promise<Outcome> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(30_000),
  })
  const body = await response.json() as { error?: { code?: string } }
  return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after'), costUsd: response.headers.get('x-switchyard-cost-usd') }
}

/** A streamed request: its status, and for a refusal its code; a served stream is read to its end. */
async function askStreamed(key: string): Promise<Outcome & { text: string }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', max_tokens: maxTokens, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await response.text()
  const code = response.status === 200 ? undefined : (JSON.parse(text) as { error?: { code?: string } }).error?.code
  return { status: response.status, code, retryAfter: response.headers.get('retry-after'), costUsd: null, text }
}

/** Poll until the store holds `count` answered calls of `key` (bounded: 20 s). */
async function drainedCalls(key: string, count: number): Promise<{ calls: number; costUsd: string }> {
  let stored = await storedCalls(key)
  for (let round = 0; round < 200 && stored.calls < count; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    stored = await storedCalls(key)
  }
  return stored
}

async function storedCalls(key: string): Promise<{ calls: number; costUsd: string }> {
  const result = await gateway.store.client.query({
    query: "SELECT count() AS calls, toString(sum(CostUsd)) AS costUsd FROM llm_calls WHERE Tags['key'] = {key:String} AND ErrorType = ''",
    query_params: { key },
    format: 'JSONEachRow',
  })
  const [row] = await result.json<{ calls: string | number; costUsd: string }>()
  return { calls: Number(row?.calls ?? 0), costUsd: row?.costUsd ?? '0' }
}

function units(usd: string): bigint {
  const parsed = parseUsd(usd)
  if (parsed === undefined) throw new Error(`not a USD amount: ${usd}`)
  return parsed.units
}

describe('a budget under 200 concurrent requests on one key', () => {
  it('admits only what fits, refuses the rest before the upstream, and leaves another key alone', async () => {
    const [outcomesA, outcomesB] = await Promise.all([
      Promise.all(Array.from({ length: 200 }, () => ask(teamA.key))),
      Promise.all(Array.from({ length: 40 }, () => ask(teamB.key))),
    ])
    const admitted = outcomesA.filter((outcome) => outcome.status === 200)
    const refused = outcomesA.filter((outcome) => outcome.status !== 200)
    expect(admitted.length).toBeGreaterThan(0)
    expect(refused.length).toBeGreaterThan(0)
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ status: 429, code: 'budget_exceeded' })
      expect(Number(outcome.retryAfter)).toBeGreaterThanOrEqual(1)
    }
    // The other key: every request served.
    expect(outcomesB.map((outcome) => outcome.status)).toEqual(Array.from({ length: 40 }, () => 200))

    // Refused requests never reached the upstream.
    const upstreamCalls = upstream.requests.length
    expect(upstreamCalls).toBe(admitted.length + outcomesB.length)

    // Nothing spent past the limit: by the answers' own cost, and by the upstream's count.
    const perCall = units(admitted[0]!.costUsd ?? '')
    expect(perCall).toBeGreaterThan(0n)
    for (const outcome of admitted) expect(outcome.costUsd).toBe(admitted[0]!.costUsd)
    expect(BigInt(admitted.length) * perCall).toBeLessThanOrEqual(units(limitUsd))

    // And by the store, once the pipeline has written every admitted call.
    const stored = await drainedCalls('team-a', admitted.length)
    expect(stored.calls).toBe(admitted.length)
    expect(units(stored.costUsd)).toBe(BigInt(admitted.length) * perCall)
    expect(units(stored.costUsd)).toBeLessThanOrEqual(units(limitUsd))
  }, 60_000)

  it('keeps refusing the spent key afterwards, still without reaching the upstream', async () => {
    const before = upstream.requests.length
    const outcome = await ask(teamA.key)
    expect(outcome).toMatchObject({ status: 429, code: 'budget_exceeded' })
    expect(upstream.requests.length).toBe(before)
    expect((await ask(teamB.key)).status).toBe(200)
  })

  it('holds for 100 concurrent streams too: refused before the first byte, nothing spent past the limit', async () => {
    const before = upstream.requests.length
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => askStreamed(teamC.key)))
    const admitted = outcomes.filter((outcome) => outcome.status === 200)
    const refused = outcomes.filter((outcome) => outcome.status !== 200)
    expect(admitted.length).toBeGreaterThan(0)
    expect(refused.length).toBeGreaterThan(0)
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ status: 429, code: 'budget_exceeded' })
      expect(Number(outcome.retryAfter)).toBeGreaterThanOrEqual(1)
    }
    // Every served stream ran to its end, with the usage chunk asked for.
    for (const outcome of admitted) {
      expect(outcome.text).toContain('"usage"')
      expect(outcome.text.trimEnd().endsWith('data: [DONE]')).toBe(true)
    }
    expect(upstream.requests.slice(before).filter((request) => request.stream)).toHaveLength(admitted.length)
    expect(upstream.requests.length - before).toBe(admitted.length)
    const stored = await drainedCalls('team-c', admitted.length)
    expect(stored.calls).toBe(admitted.length)
    expect(units(stored.costUsd)).toBeGreaterThan(0n)
    expect(units(stored.costUsd)).toBeLessThanOrEqual(units(limitUsd))
  }, 60_000)
})

describe('a key\'s requests per minute under 100 requests at once', () => {
  it('serves exactly the limit, refuses the rest with 429 rate_limited before the upstream, and leaves another key alone', async () => {
    const before = upstream.requests.length
    const [bursting, other] = await Promise.all([
      Promise.all(Array.from({ length: 100 }, () => ask(burst.key))),
      Promise.all(Array.from({ length: 20 }, () => ask(teamB.key))),
    ])
    expect(bursting.filter((outcome) => outcome.status === 200)).toHaveLength(burstPerMinute)
    const refused = bursting.filter((outcome) => outcome.status !== 200)
    expect(refused).toHaveLength(100 - burstPerMinute)
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ status: 429, code: 'rate_limited' })
      expect(Number(outcome.retryAfter)).toBeGreaterThanOrEqual(1)
    }
    expect(other.map((outcome) => outcome.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(upstream.requests.length - before).toBe(burstPerMinute + 20)
  }, 60_000)
})

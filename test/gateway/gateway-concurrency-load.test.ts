import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startScriptedUpstream, waitUntil, type ScriptedUpstream } from './scripted-upstream.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

/*
 * 100 requests at once against maxConcurrentRequests 16, on an upstream that holds
 * every answer: 16 reach the upstream, the rest are refused at once with 503 and
 * Retry-After. Clients that then leave give their slots back (a leak here would
 * refuse every request from then on), and 16 new requests are served.
 */

let upstream: ScriptedUpstream
let gateway: Gateway
const directory = makeTempDirectory('gateway-concurrency-load')
const maxConcurrentRequests = 16

beforeAll(async () => {
  upstream = await startScriptedUpstream()
  gateway = await startTestGateway(directory.path, { config: testConfig(upstream.url, { gateway: { maxConcurrentRequests } }) })
}, 60_000)

afterAll(async () => {
  upstream?.release()
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

interface Answer {
  status: number | 'aborted'
  code?: string
  retryAfter?: string | null
}

function held(signal: AbortSignal): Promise<Answer> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hold' }] }),
    signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
  }).then(
    async (response) => ({ status: response.status, code: (await response.json() as { error?: { code?: string } }).error?.code, retryAfter: response.headers.get('retry-after') }),
    () => ({ status: 'aborted' as const }),
  )
}

async function inFlightGauge(): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text()
  const match = /^switchyard_gateway_requests_in_flight (\d+)$/m.exec(text)
  if (match === null) throw new Error(`no in-flight gauge in /metrics: ${text.slice(0, 500)}`)
  // The /metrics request itself is in flight while it renders.
  return Number(match[1]) - 1
}

describe('maxConcurrentRequests under 100 requests at once', () => {
  it('serves 16, refuses the rest before the upstream, and takes the slots back from clients that leave', async () => {
    const leave = new AbortController()
    const first = Array.from({ length: 100 }, () => held(leave.signal))
    let settled = 0
    for (const answer of first) void answer.then(() => (settled += 1))
    await waitUntil(() => settled >= 100 - maxConcurrentRequests, 'the refusals', 20_000)
    await upstream.waitForRequests(maxConcurrentRequests, 10_000)
    expect(upstream.requests).toHaveLength(maxConcurrentRequests)
    // At the limit, monitoring still gets its answer: every slot is taken by a held request.
    expect(await inFlightGauge()).toBe(maxConcurrentRequests)

    leave.abort()
    const answers = await Promise.all(first)
    const refused = answers.filter((answer) => answer.status !== 'aborted')
    expect(refused).toHaveLength(100 - maxConcurrentRequests)
    for (const answer of refused) expect(answer).toEqual({ status: 503, code: 'gateway_unavailable', retryAfter: '1' })
    await upstream.waitForAbandoned(maxConcurrentRequests, 10_000)
    await waitUntil(() => upstream.pending() === 0, 'the upstream to have no open answers', 10_000)
    let gauge = await inFlightGauge()
    for (let round = 0; round < 100 && gauge > 0; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      gauge = await inFlightGauge()
    }
    expect(gauge).toBe(0)

    // Every slot is free again: 16 new requests all reach the upstream and are answered.
    const second = Array.from({ length: maxConcurrentRequests }, () => held(new AbortController().signal))
    await upstream.waitForRequests(2 * maxConcurrentRequests, 10_000)
    upstream.release()
    expect((await Promise.all(second)).map((answer) => answer.status)).toEqual(Array.from({ length: maxConcurrentRequests }, () => 200))
    expect(upstream.requests).toHaveLength(2 * maxConcurrentRequests)
  }, 60_000)
})

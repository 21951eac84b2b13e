import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import type { Gateway, ReloadOutcome } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startScriptedUpstream, waitUntil, type ScriptedUpstream } from './scripted-upstream.js'
import { startTestGateway } from './start-test-gateway.js'

/*
 * A steady bounded load (16 requests at a time, half of them streamed, at most 2,000)
 * while the config file is rewritten and reloaded four times, once with a half-written
 * file, each reload after 20 requests were answered on the config before it. No
 * request may fail; a request that starts after a reload answered and ends before the
 * next one starts is served by the model that reload put on the route.
 */

let upstream: ScriptedUpstream
let gateway: Gateway
const directory = makeTempDirectory('gateway-reload-load')
const configPath = path.join(directory.path, 'switchyard.config.json')
const maxRequests = 2_000
const concurrency = 16
/** Requests answered on each config before the next reload (and after the last). */
const perConfig = 20

function configText(model: string): string {
  return JSON.stringify({
    providers: { up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` } },
    routes: { main: { targets: [{ provider: 'up', model }], retry: { attempts: 1 } } },
  })
}

beforeAll(async () => {
  upstream = await startScriptedUpstream({ delayMs: 5 })
  writeFileSync(configPath, configText('model-one'))
  gateway = await startTestGateway(directory.path, { config: await loadConfig(configPath), configPath })
}, 60_000)

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

interface Served {
  startedAt: number
  endedAt: number
  status: number
  content: string | undefined
}

interface Reload {
  /** What the file said: a model, or undefined for the half-written file. */
  model: string | undefined
  startedAt: number
  endedAt: number
  outcome: ReloadOutcome
}

/** One request, plain or streamed; a stream's content is its deltas joined, and it must end with [DONE]. */
async function ask(stream: boolean): Promise<Served> {
  const startedAt = performance.now()
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', stream, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(20_000),
  })
  const text = await response.text()
  return { startedAt, endedAt: performance.now(), status: response.status, content: stream ? streamedContent(text) : plainContent(text) }
}

function plainContent(text: string): string | undefined {
  return (JSON.parse(text) as { choices?: Array<{ message?: { content?: string } }> }).choices?.[0]?.message?.content
}

function streamedContent(text: string): string | undefined {
  const data = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice('data: '.length))
  if (data.at(-1) !== '[DONE]') return undefined
  return data.slice(0, -1).map((frame) => (JSON.parse(frame) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '').join('')
}

/** Requests, `concurrency` at a time, until `done()` or maxRequests were sent; returns how many were sent. */
async function steadyLoad(served: Served[], done: () => boolean): Promise<number> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < maxRequests && !done()) {
      next += 1
      // Every other request is streamed: a stream in flight across a reload finishes too.
      served.push(await ask(next % 2 === 0))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return next
}

async function reloadWith(model: string | undefined): Promise<Reload> {
  writeFileSync(configPath, model === undefined ? configText('model-broken').slice(0, 40) : configText(model))
  const startedAt = performance.now()
  const outcome = await gateway.reload()
  return { model, startedAt, endedAt: performance.now(), outcome }
}

describe('config reloads during a steady load', () => {
  it('fails no request, switches the route at each good reload and keeps the old config on a bad file', async () => {
    const served: Served[] = []
    const reloads: Reload[] = []
    const answeredSince = (from: number): number => served.filter((answer) => answer.startedAt > from).length
    let allReloaded = false
    const load = steadyLoad(served, () => allReloaded && answeredSince(reloads.at(-1)!.endedAt) >= perConfig)
    for (const model of ['model-two', undefined, 'model-three', 'model-four']) {
      const since = reloads.at(-1)?.endedAt ?? 0
      await waitUntil(() => answeredSince(since) >= perConfig, `${perConfig} answers on the config in force`, 20_000)
      reloads.push(await reloadWith(model))
    }
    allReloaded = true
    const sent = await load

    expect(sent).toBeLessThan(maxRequests)
    expect(served).toHaveLength(sent)
    expect(served.filter((answer) => answer.status !== 200)).toEqual([])
    expect(reloads.map((reload) => reload.outcome.ok)).toEqual([true, false, true, true])
    const refusal = reloads[1]!.outcome
    expect(refusal.ok ? '' : refusal.error.message).toContain(configPath)

    // Between the end of one reload and the start of the next, the model in force is known.
    const inForce = ['model-one', 'model-two', 'model-two', 'model-three', 'model-four']
    const windows = inForce.map((model, index) => ({
      model,
      from: index === 0 ? 0 : reloads[index - 1]!.endedAt,
      to: reloads[index]?.startedAt ?? Number.POSITIVE_INFINITY,
    }))
    for (const window of windows) {
      const inside = served.filter((answer) => answer.startedAt > window.from && answer.endedAt < window.to)
      expect(inside.length, `requests wholly inside the window of ${window.model}`).toBeGreaterThan(0)
      expect(new Set(inside.map((answer) => answer.content))).toEqual(new Set([`answered by ${window.model}`]))
    }
    // The upstream saw every request, and never the half-written file's model.
    expect(upstream.requests).toHaveLength(sent)
    expect(new Set(upstream.requests.map((request) => request.model))).toEqual(new Set(['model-one', 'model-two', 'model-three', 'model-four']))
  }, 60_000)
})

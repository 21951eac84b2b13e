import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import type { Gateway, ReloadOutcome } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startScriptedUpstream, waitUntil, type ScriptedUpstream } from './scripted-upstream.js'
import { startTestGateway } from './start-test-gateway.js'

/*
 * `--watch` during a steady load (8 requests at a time, at most 2,000) while the config file is
 * saved the way a slow editor or a copy over the network does it: half of it first,
 * the rest after the watcher has settled. The half-written file is refused and the
 * old route keeps serving; the whole file switches the route; no request fails.
 */

let upstream: ScriptedUpstream
let gateway: Gateway
const directory = makeTempDirectory('gateway-watch-load')
const configDirectory = path.join(directory.path, 'config')
const configPath = path.join(configDirectory, 'switchyard.config.json')
/** The load runs until 30 requests started after the switch, and never past this many. */
const maxRequests = 2_000
const concurrency = 8
const reloads: Array<{ outcome: ReloadOutcome; at: number }> = []

function configText(model: string): string {
  return JSON.stringify({
    providers: { up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` } },
    routes: { main: { targets: [{ provider: 'up', model }], retry: { attempts: 1 } } },
  })
}

beforeAll(async () => {
  upstream = await startScriptedUpstream({ delayMs: 5 })
  mkdirSync(configDirectory)
  writeFileSync(configPath, configText('model-one'))
  gateway = await startTestGateway(directory.path, {
    config: await loadConfig(configPath),
    configPath,
    watch: true,
    onReload: (outcome) => reloads.push({ outcome, at: performance.now() }),
  })
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

async function ask(): Promise<Served> {
  const startedAt = performance.now()
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(20_000),
  })
  const body = await response.json() as { choices?: Array<{ message?: { content?: string } }> }
  return { startedAt, endedAt: performance.now(), status: response.status, content: body.choices?.[0]?.message?.content }
}

/** Requests, `concurrency` at a time, until `done()` or maxRequests were sent. */
async function steadyLoad(served: Served[], done: () => boolean): Promise<number> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < maxRequests && !done()) {
      next += 1
      served.push(await ask())
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return next
}

describe('--watch during a steady load', () => {
  it('refuses a half-written file and keeps serving, then switches once the file is whole', async () => {
    const served: Served[] = []
    let switchedAt = Number.POSITIVE_INFINITY
    const load = steadyLoad(served, () => served.filter((answer) => answer.startedAt > switchedAt).length >= 30)
    await waitUntil(() => served.length >= 40, '40 answers', 20_000)
    const whole = configText('model-two')
    writeFileSync(configPath, whole.slice(0, whole.length / 2))
    await waitUntil(() => reloads.length >= 1, 'the watcher to reload the half-written file', 10_000)
    const refusedAt = reloads[0]!.at
    await waitUntil(() => served.filter((answer) => answer.startedAt > refusedAt).length >= 20, '20 answers after the refusal', 20_000)
    const wholeWrittenAt = performance.now()
    writeFileSync(configPath, whole)
    await waitUntil(() => reloads.some((reload) => reload.outcome.ok), 'the watcher to reload the whole file', 10_000)
    switchedAt = reloads.find((reload) => reload.outcome.ok)!.at
    const sent = await load

    expect(sent).toBeLessThan(maxRequests)
    expect(served).toHaveLength(sent)
    expect(served.filter((answer) => answer.status !== 200)).toEqual([])
    const first = reloads[0]!.outcome
    expect(first.ok).toBe(false)
    expect(first.ok ? '' : first.error.message).toContain(configPath)
    const contents = (from: number, to: number): Set<string | undefined> =>
      new Set(served.filter((answer) => answer.startedAt > from && answer.endedAt < to).map((answer) => answer.content))
    // Between the refusal and the whole file, the old route served.
    expect(contents(refusedAt, wholeWrittenAt)).toEqual(new Set(['answered by model-one']))
    const after = served.filter((answer) => answer.startedAt > switchedAt)
    expect(after.length).toBeGreaterThan(0)
    expect(new Set(after.map((answer) => answer.content))).toEqual(new Set(['answered by model-two']))
    expect(new Set(upstream.requests.map((request) => request.model))).toEqual(new Set(['model-one', 'model-two']))
  }, 60_000)
})

import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore } from '../../src/store/create-store.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startScriptedUpstream, waitUntil, type ScriptedUpstream } from './scripted-upstream.js'

/*
 * `switchyard gateway` as its own process, sent SIGTERM while calls are in flight on
 * a slow upstream: the calls in flight finish with 200, new connections are refused,
 * the process exits 0 in bounded time, and the finished calls' spans are in the store.
 * Calls that never finish are cut at gateway.shutdownTimeoutMs, cancelled upstream,
 * and stored as aborted. Both runs write one store, read once both have exited.
 */

/** `switchyard gateway` as a user runs it: the CLI's entry point in its own process. */
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const directory = makeTempDirectory('gateway-shutdown')
const configPath = path.join(directory.path, 'switchyard.config.json')
/** The same routes with a 1 s shutdown timeout, for calls that never finish. */
const impatientConfigPath = path.join(directory.path, 'impatient.config.json')
const shortShutdownMs = 1_000
const storeUrl = `chdb://${path.join(directory.path, 'store')}`
const upstreamDelayMs = 3_000
const inFlight = 8
let upstream: ScriptedUpstream
/** Every gateway process started here; afterAll kills any still running. */
const children: ChildProcess[] = []

beforeAll(async () => {
  upstream = await startScriptedUpstream({ delayMs: upstreamDelayMs })
  const config = (shutdownTimeoutMs: number): string => JSON.stringify({
    providers: { up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` } },
    routes: {
      main: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }], retry: { attempts: 1 } },
      stuck: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }], retry: { attempts: 1 } },
    },
    gateway: { shutdownTimeoutMs },
  })
  writeFileSync(configPath, config(20_000))
  writeFileSync(impatientConfigPath, config(shortShutdownMs))
})

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await upstream?.close()
  directory.remove()
})

interface Running {
  process: ChildProcess
  url: string
  port: number
  output(): string
  exited: Promise<number | null>
}

/** The gateway command on port 0 with `config`; every run of this file writes the same store (one at a time). */
async function startGatewayProcess(config: string): Promise<Running> {
  const started = spawn(process.execPath, ['--import', 'tsx', main, 'gateway', '--config', config, '--port', '0', '--store', storeUrl, '--queue-dir', path.join(directory.path, 'queue')], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(started)
  let output = ''
  started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)))
  let exitedEarly = false
  void exited.then(() => (exitedEarly = true))
  await waitUntil(() => exitedEarly || /listening on http:\/\/\S+/.test(output), 'the gateway to listen', 30_000)
  const url = /listening on (http:\/\/[^\s,]+)/.exec(output)?.[1]
  if (url === undefined) throw new Error(`the gateway did not start: ${output}`)
  return { process: started, url, port: Number(new URL(url).port), output: () => output, exited }
}

/** Whether a new TCP connection to the port is refused (bounded: 2 s). */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, 2_000)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve(error.code === 'ECONNREFUSED')
    })
  })
}

describe('SIGTERM with calls in flight', () => {
  it('finishes the calls in flight, refuses new connections and exits 0', async () => {
    const gateway = await startGatewayProcess(configPath)
    const calls = Array.from({ length: inFlight }, async () => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
        signal: AbortSignal.timeout(30_000),
      })
      const body = await response.json() as { choices?: Array<{ message?: { content?: string } }> }
      return { status: response.status, content: body.choices?.[0]?.message?.content, endedAt: Date.now() }
    })
    await upstream.waitForRequests(inFlight, 10_000)
    expect(upstream.pending()).toBe(inFlight)
    const signalledAt = Date.now()
    gateway.process.kill('SIGTERM')
    await waitUntil(() => gateway.output().includes('SIGTERM'), 'the gateway to take the signal', 10_000)

    // Bounded: 50 tries 20 ms apart for the listening socket to close.
    let refused = false
    for (let attempt = 0; attempt < 50 && !refused; attempt += 1) {
      refused = await connectionRefused(gateway.port)
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(refused).toBe(true)
    const refusedAt = Date.now()

    const answers = await Promise.all(calls)
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: inFlight }, () => 200))
    expect(new Set(answers.map((answer) => answer.content))).toEqual(new Set(['answered by gpt-4o-mini']))
    // They were in flight when the signal came and when new connections were already refused.
    for (const answer of answers) expect(answer.endedAt).toBeGreaterThanOrEqual(refusedAt)

    const code = await Promise.race([gateway.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000).unref())])
    expect(code, gateway.output()).toBe(0)
    expect(Date.now() - signalledAt).toBeLessThan(20_000)
    expect(upstream.requests).toHaveLength(inFlight)

  }, 60_000)

  it('cuts calls still running at gateway.shutdownTimeoutMs, cancels them upstream and still exits 0', async () => {
    const gateway = await startGatewayProcess(impatientConfigPath)
    const before = upstream.requests.length
    const abandonedBefore = upstream.abandonedAt.length
    const stuck = Array.from({ length: 2 }, () => fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'stuck', messages: [{ role: 'user', content: 'hold' }] }),
      signal: AbortSignal.timeout(30_000),
    }).then(async (response) => { await response.arrayBuffer(); return response.status }, () => 'cut' as const))
    await upstream.waitForRequests(before + 2, 10_000)
    const signalledAt = Date.now()
    gateway.process.kill('SIGTERM')
    const code = await Promise.race([gateway.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000).unref())])
    expect(code, gateway.output()).toBe(0)
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(shortShutdownMs)
    expect(Date.now() - signalledAt).toBeLessThan(shortShutdownMs + 15_000)
    // The clients were cut, and the gateway closed its upstream calls rather than leaving them open.
    for (const outcome of await Promise.all(stuck)) expect(outcome).not.toBe(200)
    await upstream.waitForAbandoned(abandonedBefore + 2, 5_000)
  }, 60_000)

  it('has, after both exits, the spans of every finished call and of the cut ones in the store', async () => {
    const store = await createStore({ url: storeUrl })
    try {
      const answered = await store.client.query({ query: "SELECT toString(count()) AS calls FROM llm_calls WHERE Route = 'main' AND ErrorType = ''", format: 'JSONEachRow' })
      expect(await answered.json()).toEqual([{ calls: String(inFlight) }])
      const servers = await store.client.query({ query: "SELECT toString(count()) AS spans FROM otel_traces WHERE SpanKind = 'Server' AND SpanName = 'POST /v1/chat/completions' AND SpanAttributes['http.response.status_code'] = '200'", format: 'JSONEachRow' })
      expect(await servers.json()).toEqual([{ spans: String(inFlight) }])
      const cut = await store.client.query({ query: "SELECT ErrorType FROM llm_calls WHERE Route = 'stuck'", format: 'JSONEachRow' })
      expect(await cut.json()).toEqual([{ ErrorType: 'aborted' }, { ErrorType: 'aborted' }])
    } finally {
      await store.close()
    }
  }, 60_000)
})

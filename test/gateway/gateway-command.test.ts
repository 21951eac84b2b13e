import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createStore } from '../../src/store/create-store.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
let upstream: ProviderServer
const directory = makeTempDirectory('gateway-command')
const configPath = path.join(directory.path, 'switchyard.config.json')
const running: ChildProcess[] = []

beforeAll(async () => {
  upstream = await startProviderServer()
})

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  upstream.reset()
})

afterAll(async () => {
  await upstream?.close()
  directory.remove()
})

function writeConfig(model: string, more: Record<string, unknown> = {}): void {
  writeFileSync(configPath, JSON.stringify({
    providers: { up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` } },
    routes: { main: { targets: [{ provider: 'up', model }], retry: { attempts: 1 } } },
    ...more,
  }))
}

interface Started {
  child: ChildProcess
  url: string
  output(): string
  /** Resolves once the output contains `text` (bounded: 20 s). */
  waitFor(text: string): Promise<void>
  exited: Promise<number | null>
}

async function startCommand(flags: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'gateway', '--config', configPath, '--port', '0',
    '--store', `chdb://${path.join(directory.path, 'store')}`, '--queue-dir', path.join(directory.path, 'queue'), ...flags], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.push(child)
  let output = ''
  const waiters: Array<{ text: string; resolve: () => void }> = []
  const onOutput = (chunk: Buffer): void => {
    output += chunk.toString()
    for (const waiter of waiters.filter((candidate) => output.includes(candidate.text))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  child.stdout.on('data', onOutput)
  child.stderr.on('data', onOutput)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const waitFor = (text: string): Promise<void> => output.includes(text) ? Promise.resolve() : new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} in: ${output}`)), 20_000)
    waiters.push({ text, resolve: () => { clearTimeout(timer); resolve() } })
    void exited.then(() => setTimeout(() => reject(new Error(`exited before ${JSON.stringify(text)}: ${output}`)), 50))
  })
  await waitFor('listening on ')
  const url = /listening on (http:\/\/[^\s,]+)/.exec(output)![1]!
  return { child, url, output: () => output, waitFor, exited }
}

async function ask(url: string): Promise<{ status: number; model: unknown }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  })
  await response.arrayBuffer()
  return { status: response.status, model: upstream.requests.at(-1)?.json() }
}

describe('switchyard gateway', () => {
  it('prints its options with --help', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'gateway', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    running.push(child)
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0)
    expect(output).toContain('--no-auth')
    expect(output).toContain('--watch')
  }, 30_000)

  it('takes --port over gateway.port, reloads on SIGHUP (refusing a bad file), and exits 0 on SIGTERM', async () => {
    writeConfig('model-one', { gateway: { port: 1 } })
    const gateway = await startCommand([])
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') }, { body: fixtureJson('openai/chat-completion.json') }, { body: fixtureJson('openai/chat-completion.json') })
    expect(await ask(gateway.url)).toMatchObject({ status: 200, model: { model: 'model-one' } })
    writeConfig('model-two', { routes: 'not an object' })
    gateway.child.kill('SIGHUP')
    await gateway.waitFor('config NOT reloaded')
    expect(gateway.output()).toContain('routes')
    expect(await ask(gateway.url)).toMatchObject({ status: 200, model: { model: 'model-one' } })
    writeConfig('model-two')
    gateway.child.kill('SIGHUP')
    await gateway.waitFor('config reloaded')
    expect(await ask(gateway.url)).toMatchObject({ status: 200, model: { model: 'model-two' } })
    gateway.child.kill('SIGTERM')
    expect(await gateway.exited).toBe(0)
    // SIGTERM flushed the spans of all three calls into the store before the exit.
    const store = await createStore({ url: `chdb://${path.join(directory.path, 'store')}` })
    try {
      const result = await store.client.query({ query: "SELECT toString(count()) AS calls FROM otel_traces WHERE SpanName = 'POST /v1/chat/completions'", format: 'JSONEachRow' })
      expect(await result.json()).toEqual([{ calls: '3' }])
    } finally {
      await store.close()
    }
  }, 60_000)

  it('reloads when the file changes with --watch', async () => {
    writeConfig('model-one')
    const gateway = await startCommand(['--watch'])
    writeConfig('model-three')
    await gateway.waitFor('config reloaded')
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    expect(await ask(gateway.url)).toMatchObject({ status: 200, model: { model: 'model-three' } })
    gateway.child.kill('SIGTERM')
    expect(await gateway.exited).toBe(0)
  }, 60_000)
})

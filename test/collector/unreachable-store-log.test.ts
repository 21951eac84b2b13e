import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { clickHouseLoggerClass } from '../../src/store/clickhouse-logger.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const cli = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url))
const password = 'unr3achable-pw-9b2e51'
const querySecret = 'qs-s3cret-77d0c4'
const directory = makeTempDirectory('unreachable-store-log')
let child: ChildProcess | undefined

afterEach(() => {
  child?.kill('SIGKILL')
  child = undefined
  diag.disable()
})
afterAll(() => directory.remove())

/** A loopback port nobody listens on: one the system just gave out and took back. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  return port
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('switchyard collector with a store that does not answer', () => {
  it('says so in one stderr line naming the redacted URL, not a stack dump, and keeps taking spans', async () => {
    const port = await freePort()
    const storeUrl = `http://default:${password}@127.0.0.1:${port}/otel?secret=${querySecret}`
    child = spawn(process.execPath, [cli, 'collector', '--port', '0', '--store', storeUrl, '--queue-dir', path.join(directory.path, 'queue')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve))
    await waitFor(() => /listening on http:\/\/\S+/.test(stdout) || child?.exitCode !== null, 'the listening line')
    const url = /listening on (http:\/\/[^\s,]+)/.exec(stdout)?.[1]
    expect(url, `${stdout}\n${stderr}`).toBeDefined()
    expect(stdout).toContain('(not answering yet: spans are queued until it does)')

    const spans = serializeSpans(makeModelCallSpans(3, { workflow: 'unreachable-log' }), 'protobuf')
    expect((await postTraces(url!, spans, { 'content-type': 'application/x-protobuf' })).status).toBe(200)
    expect((await fetch(`${url!}/readyz`)).status).toBe(503)
    // Several retries (200 ms first delay, doubling) and probes pass: none adds a line.
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect((await fetch(`${url!}/healthz`)).status).toBe(200)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    child = undefined

    const lines = stderr.split('\n').filter((line) => line.trim() !== '')
    const outage = lines.filter((line) => line.includes('does not answer'))
    expect(outage, stderr).toHaveLength(1)
    expect(outage[0]).toContain(`the store http://default:***@127.0.0.1:${port}/otel does not answer its ping`)
    expect(outage[0]).toContain('ECONNREFUSED')
    // Besides it, only the word at shutdown that the spans stay queued for the next start.
    expect(lines.filter((line) => !line.includes('does not answer')), stderr).toEqual([
      expect.stringMatching(/never answered: 3 spans stay in the queue for the next start/),
    ])
    for (const output of [stdout, stderr]) {
      expect(output).not.toContain(password)
      expect(output).not.toContain(querySecret)
      expect(output).not.toMatch(/^\s+at /m)
      expect(output).not.toMatch(/Caused by|Arguments:/)
    }
  }, 60_000)
})

describe('the client\'s own log lines', () => {
  it('reach switchyard\'s logger at their level, one line each, without the stack or the password', () => {
    const lines: { level: string; message: string }[] = []
    const recorder: DiagLogger = {
      error: (message) => lines.push({ level: 'error', message }),
      warn: (message) => lines.push({ level: 'warn', message }),
      info: (message) => lines.push({ level: 'info', message }),
      debug: (message) => lines.push({ level: 'debug', message }),
      verbose: (message) => lines.push({ level: 'verbose', message }),
    }
    diag.setLogger(recorder, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true })
    lines.length = 0 // the API's own word on the new logger
    const Logger = clickHouseLoggerClass({ displayUrl: 'http://default:***@127.0.0.1:8123/otel', secrets: [password] })
    const logger = new Logger()
    const failure = new Error(`connect to http://default:${password}@127.0.0.1:8123 failed\n    at Socket.connect (node:net:1:1)`)

    logger.error({ module: 'Connection', message: 'Insert: an error occurred while housekeeping the idle sockets', err: failure, args: { query_id: 'q' } })
    logger.warn({ module: 'Client', message: 'Setting wait_end_of_query is overridden', args: { setting: 'x' } })
    logger.info({ module: 'Client', message: 'Log level is set to INFO' })
    logger.debug({ module: 'Connection', message: 'Socket reused' })
    logger.trace({ module: 'Connection', message: 'Socket assigned' })
    // A failed request: its caller reports it with what it was doing, so here it is a debug line.
    logger.error({ module: 'Connection', message: 'Insert: HTTP request error.', err: failure })
    logger.warn({ module: 'Connection', message: 'Ping: HTTP request error.', err: failure })

    expect(lines.map((line) => line.level)).toEqual(['error', 'warn', 'info', 'debug', 'verbose', 'debug', 'debug'])
    expect(lines[0]!.message).toBe('switchyard store http://default:***@127.0.0.1:8123/otel: @clickhouse/client Connection: Insert: an error occurred while housekeeping the idle sockets: Error: connect to http://[REDACTED]@127.0.0.1:8123 failed')
    expect(lines[1]!.message).toBe('switchyard store http://default:***@127.0.0.1:8123/otel: @clickhouse/client Client: Setting wait_end_of_query is overridden')
    for (const line of lines) {
      expect(line.message).not.toContain(password)
      expect(line.message).not.toContain('\n')
    }
  })
})

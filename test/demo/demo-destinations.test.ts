import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { CliUsageError } from '../../src/cli/cli-arguments.js'
import { runDemoCommand } from '../../src/cli/demo-command.js'
import { createStore } from '../../src/store/create-store.js'
import { spawnCollector } from '../helpers/spawn-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const cli = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url))
const directory = makeTempDirectory('demo-destinations')
afterAll(() => directory.remove())

/** `switchyard demo <flags>` as a user runs it: its own process, its exit code and output. */
function runDemoCli(flags: readonly string[], environment: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, ...environment }
  if (!('CLICKHOUSE_URL' in environment)) delete env.CLICKHOUSE_URL
  delete env.SWITCHYARD_COLLECTOR_TOKEN
  const child = spawn(process.execPath, [cli, 'demo', '--triage-runs', '8', '--coding-runs', '4', ...flags], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`demo did not finish in 90 s: ${stdout}${stderr}`))
    }, 90_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The demo run id and its model-call count, from the demo's first and summary lines. */
function demoRunOf(stdout: string): { run: string; calls: number } {
  const run = /switchyard demo ([0-9a-f]{8}):/.exec(stdout)?.[1]
  const calls = /model calls (\d+),/.exec(stdout)?.[1]
  if (run === undefined || calls === undefined) throw new Error(`no demo run id or summary in: ${stdout}`)
  return { run, calls: Number(calls) }
}

/** The model calls of one demo run that reached the store at `url`. */
async function storedCalls(url: string, run: string): Promise<{ calls: number; workflows: string[] }> {
  const store = await createStore({ url })
  try {
    const result = await store.client.query({
      query: "SELECT toString(count()) AS calls, arraySort(groupUniqArray(Workflow)) AS workflows FROM llm_calls WHERE Tags['demo_run'] = {run:String}",
      query_params: { run },
      format: 'JSONEachRow',
    })
    const [row] = await result.json<{ calls: string; workflows: string[] }>()
    return { calls: Number(row?.calls), workflows: row?.workflows ?? [] }
  } finally {
    await store.close()
  }
}

/** A loopback port where nothing listens (it was free a moment ago). */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

describe('switchyard demo: where the spans go', () => {
  it('sends its spans to a running collector with --collector, with that collector\'s token', async () => {
    const storeUrl = `chdb://${path.join(directory.path, 'collector-store')}`
    const tokenFile = path.join(directory.path, 'token')
    writeFileSync(tokenFile, 'demo-collector-token-0123456789\n')
    const { child, url } = await spawnCollector(['--store', storeUrl, '--queue-dir', path.join(directory.path, 'collector-queue'), '--token-file', tokenFile])
    let demo: Awaited<ReturnType<typeof runDemoCli>>
    let withoutToken: Awaited<ReturnType<typeof runDemoCli>>
    try {
      withoutToken = await runDemoCli(['--collector', url])
      demo = await runDemoCli(['--collector', url, '--token-file', tokenFile])
    } finally {
      await stopped(child)
    }
    // Without the token it stops before the runs, saying why.
    expect(withoutToken.code).toBe(1)
    expect(withoutToken.stderr).toMatch(/switchyard demo: the collector at .* answered 401: this collector requires a bearer token/)
    expect(withoutToken.stdout).not.toMatch(/runs +\d+\//)
    expect(demo.stderr).not.toMatch(/401|error/i)
    expect(demo.code).toBe(0)
    expect(demo.stdout).toContain(`spans go to the collector at ${url}`)
    expect(demo.stdout).toMatch(/switchyard report .* by workflow, step/)
    expect(demo.stdout).toContain(`npx switchyard report --collector ${url}`)
    const { run, calls } = demoRunOf(demo.stdout)
    expect(calls).toBeGreaterThan(0)
    // The collector owns the store; the demo started none of its own.
    expect(await storedCalls(storeUrl, run)).toEqual({ calls, workflows: ['coding-assistant', 'support-triage'] })
  }, 120_000)

  it('writes the store named by --store, not the one in --directory', async () => {
    const chosen = path.join(directory.path, 'chosen-store')
    const work = path.join(directory.path, 'work')
    const demo = await runDemoCli(['--store', `chdb://${chosen}`, '--directory', work])
    expect(demo.code, demo.stderr).toBe(0)
    expect(demo.stdout).toContain(`spans go to store chdb://${chosen}`)
    const { run, calls } = demoRunOf(demo.stdout)
    expect(await storedCalls(`chdb://${chosen}`, run)).toEqual({ calls, workflows: ['coding-assistant', 'support-triage'] })
    expect(existsSync(path.join(work, 'data'))).toBe(false)
    expect(existsSync(path.join(work, 'queue'))).toBe(true)
  }, 120_000)

  it('writes the store that CLICKHOUSE_URL names when no flag names one', async () => {
    const fromEnvironment = path.join(directory.path, 'environment-store')
    const demo = await runDemoCli(['--directory', path.join(directory.path, 'work-2')], { CLICKHOUSE_URL: `chdb://${fromEnvironment}` })
    expect(demo.code, demo.stderr).toBe(0)
    const { run, calls } = demoRunOf(demo.stdout)
    expect((await storedCalls(`chdb://${fromEnvironment}`, run)).calls).toBe(calls)
  }, 120_000)

  it('stops with the store named when the store of --store does not answer, instead of waiting for its spans', async () => {
    const port = await closedLoopbackPort()
    const started = Date.now()
    const demo = await runDemoCli(['--store', `http://demo:secret-password@127.0.0.1:${port}`, '--directory', path.join(directory.path, 'work-down')])
    expect(demo.code).toBe(1)
    expect(demo.stderr).toMatch(new RegExp(`switchyard demo: the store http://demo:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? did not answer within 15 s`))
    expect(demo.stderr + demo.stdout).not.toContain('secret-password')
    expect(Date.now() - started).toBeLessThan(60_000)
  }, 120_000)

  it('refuses a malformed destination, naming the flag or variable', async () => {
    await expect(runDemoCommand(['--store', 'http//clickhouse:8123'])).rejects.toThrow(/^--store: store URL is not a URL/)
    await expect(runDemoCommand(['--store', 'ftp://clickhouse/otel'])).rejects.toThrow(/^--store: store URL scheme ftp: is not supported/)
    await expect(runDemoCommand(['--collector', 'localhost 4318'])).rejects.toThrow(/^--collector must be a URL such as http:\/\/127\.0\.0\.1:4318/)
    await expect(runDemoCommand(['--collector', 'ftp://127.0.0.1:4318'])).rejects.toThrow(/^--collector must be an http\(s\) URL/)
    await expect(runDemoCommand(['--collector', 'http://127.0.0.1:4318', '--store', 'chdb://x'])).rejects.toThrow(/give --store or --collector, not both/)
    await expect(runDemoCommand(['--token-file', 'token'])).rejects.toThrow(CliUsageError)
    const fromEnvironment = await runDemoCli([], { CLICKHOUSE_URL: 'clickhouse:8123' })
    expect(fromEnvironment.code).toBe(1)
    expect(fromEnvironment.stderr).toMatch(/switchyard demo: CLICKHOUSE_URL: store URL scheme clickhouse: is not supported/)
    expect(fromEnvironment.stdout).toBe('')
  }, 60_000)
})

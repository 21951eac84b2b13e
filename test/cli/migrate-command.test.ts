import { spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const cli = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url))
const directory = makeTempDirectory('migrate-command')
afterAll(() => directory.remove())

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env }
  delete env.CLICKHOUSE_URL
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`switchyard ${args.join(' ')} did not finish in 60 s: ${stdout}${stderr}`))
    }, 60_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function closedLoopbackPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('switchyard migrate', () => {
  it('says in one line that a store does not answer, naming it without its password', async () => {
    const port = await closedLoopbackPort()
    const result = await runCli(['migrate', '--store', `http://ops:hunter2-secret@127.0.0.1:${port}/otel`])
    expect(result.code).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^switchyard migrate: the store http://ops:\\*\\*\\*@127\\.0\\.0\\.1:${port}/otel does not answer \\(.*ECONNREFUSED.*\\); start it, or check --store / CLICKHOUSE_URL$`))
    expect(result.stderr + result.stdout).not.toContain('hunter2-secret')
  }, 90_000)

  it('migrates an embedded store and then finds it up to date', async () => {
    const store = `chdb://${path.join(directory.path, 'data')}`
    const first = await runCli(['migrate', '--store', store])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/applied migrations 1, .*\(schema version 0 -> \d+\)/)
    const second = await runCli(['migrate', '--store', store])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toMatch(/is up to date \(schema version \d+\)/)
  }, 120_000)
})

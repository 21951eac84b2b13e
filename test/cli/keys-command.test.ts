import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { CliUsageError } from '../../src/cli/cli-arguments.js'
import { runKeysCommand } from '../../src/cli/keys-command.js'
import { loadConfig } from '../../src/config/load-config.js'
import { hashVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import { VirtualKeyTable } from '../../src/gateway/keys/virtual-key-table.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('keys-command')
afterAll(() => directory.remove())

async function runKeys(argv: string[], stdin = ''): Promise<{ code: number; stdout: string }> {
  const input = new PassThrough()
  const output = new PassThrough()
  let stdout = ''
  output.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  input.end(stdin)
  const code = await runKeysCommand(argv, { input, output })
  return { code, stdout }
}

async function usageError(argv: string[], stdin = ''): Promise<CliUsageError> {
  const error = await runKeys(argv, stdin).then(() => undefined, (caught: unknown) => caught)
  if (!CliUsageError.isInstance(error)) throw new Error(`expected a usage error, got ${String(error)}`)
  return error
}

const providers = { openai: { type: 'openai', apiKey: 'sk-test-0123456789' } }
const routes = { smart: { targets: [{ provider: 'openai', model: 'gpt-5' }] } }

describe('switchyard keys create', () => {
  it('prints exactly { name, key, hash } as one JSON line with --json', async () => {
    const { code, stdout } = await runKeys(['create', '--name', 'team-a', '--json'])
    expect(code).toBe(0)
    expect(stdout.endsWith('\n')).toBe(true)
    expect(stdout.trim().split('\n')).toHaveLength(1)
    const printed = JSON.parse(stdout) as { name: string; key: string; hash: string }
    expect(Object.keys(printed)).toEqual(['name', 'key', 'hash'])
    expect(printed.name).toBe('team-a')
    expect(printed.key).toMatch(/^sy-[A-Za-z0-9_-]{43}$/)
    expect(printed.hash).toBe(hashVirtualKey(printed.key))
  })

  it('prints the key once with a warning, and an entry that loads from a config and finds that key', async () => {
    const { code, stdout } = await runKeys(['create', '--name', 'team-b', '--route', 'smart', '--route', 'openai/gpt-5-mini', '--tag', 'team=b', '--tag', 'cost-center=42'])
    expect(code).toBe(0)
    expect(stdout).toContain('shown once')
    const key = /\b(sy-[A-Za-z0-9_-]{43})\b/.exec(stdout)?.[1] ?? ''
    expect(stdout.split(key)).toHaveLength(2)
    const entryLine = stdout.split('\n').map((line) => line.trim()).find((line) => line.startsWith('{')) ?? ''
    const entry = JSON.parse(entryLine) as Record<string, unknown>
    expect(entry).toEqual({ name: 'team-b', hash: hashVirtualKey(key), routes: ['smart', 'openai/gpt-5-mini'], tags: { team: 'b', 'cost-center': '42' } })
    expect(entryLine).not.toContain(key)

    const file = path.join(directory.path, 'with-key.json')
    writeFileSync(file, JSON.stringify({ providers, routes, gateway: { keys: [entry] } }))
    const config = await loadConfig(file, { environment: {} })
    const table = new VirtualKeyTable(config.gateway.keys)
    expect(table.find(key)?.name).toBe('team-b')
    expect(table.find(key)?.routes).toEqual(['smart', 'openai/gpt-5-mini'])
  })

  it('refuses a name, route or tag the config would refuse, naming the flag', async () => {
    expect((await usageError(['create', '--name', 'team a'])).message).toMatch(/^--name: key names are/)
    expect((await usageError(['create', '--name', 'team-a', '--tag', 'key=x'])).message).toContain('reserved')
    expect((await usageError(['create', '--name', 'team-a', '--tag', 'novalue'])).message).toContain('--tag must be <key>=<value>')
    expect((await usageError(['create', '--name', 'team-a', '--route', ''])).message).toMatch(/^--route/)
    expect((await usageError(['create'])).message).toContain('--name')
    expect((await usageError(['create', '--name', 'a', '--nmae', 'b'])).message).toContain('--nmae')
    expect((await usageError(['rotate'])).message).toContain('use create or hash')
  })

  it('answers --help', async () => {
    const { code, stdout } = await runKeys(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('switchyard keys create --name <name>')
    expect((await runKeys(['create', '--help'])).stdout).toContain('--route <route>')
  })
})

describe('switchyard keys hash', () => {
  it('prints the hash of the key read from stdin, ignoring the trailing newline', async () => {
    const { code, stdout } = await runKeys(['hash'], 'sy-existing-key-123\n')
    expect(code).toBe(0)
    expect(stdout).toBe(`${hashVirtualKey('sy-existing-key-123')}\n`)
  })

  it('refuses empty, oversized or several-word input without echoing it', async () => {
    expect((await usageError(['hash'], '\n')).message).toContain('stdin was empty')
    const long = await usageError(['hash'], `sy-${'x'.repeat(300)}`)
    expect(long.message).toContain('at most 256 characters')
    expect(long.message).not.toContain('xxxx')
    expect((await usageError(['hash'], 'y'.repeat(10_000))).message).toContain('more than 4096 bytes')
    expect((await usageError(['hash'], 'one two')).message).not.toContain('one two')
  })

  it('reads a piped stdin in a real process', async () => {
    const source = fileURLToPath(new URL('../../src/cli/keys-command.ts', import.meta.url))
    const script = `import { runKeysCommand } from ${JSON.stringify(source)}; process.exitCode = await runKeysCommand(['hash'])`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.stdin.end('sy-piped-key\n')
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`keys hash did not finish in 30 s: ${stderr}`))
      }, 30_000)
      child.once('exit', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    expect(code, stderr).toBe(0)
    expect(stdout).toBe(`${hashVirtualKey('sy-piped-key')}\n`)
  }, 40_000)
})

import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const cli = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url))
const directory = makeTempDirectory('budgets-config')
const store = `chdb://${path.join(directory.path, 'data')}`
afterAll(() => directory.remove())

function runCli(args: readonly string[], extraEnvironment: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, ...extraEnvironment }
  delete env.CLICKHOUSE_URL
  const child = spawn(process.execPath, [cli, ...args], { env, cwd: directory.path, stdio: ['ignore', 'pipe', 'pipe'] })
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

function writeFile(name: string, text: string): string {
  const file = path.join(directory.path, name)
  writeFileSync(file, text)
  return file
}

const yamlConfig = (storeLine: string): string => [
  'providers:',
  '  openai: { type: openai, apiKey: "${OPENAI_KEY}" }',
  'routes:',
  '  smart: { targets: [{ provider: openai, model: gpt-5 }] }',
  'budgets:',
  '  - { name: daily, window: 24h, limitUsd: "12.5" }',
  storeLine,
  'gateway:',
  '  port: 4000',
  '',
].join('\n')

beforeAll(async () => {
  const migrated = await runCli(['migrate', '--store', store])
  if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`)
}, 90_000)

describe('switchyard budgets --config', () => {
  it('reads budgets and store from a whole YAML config, ${NAME} expanded', async () => {
    const file = writeFile('switchyard.config.yaml', yamlConfig('store: "${STORE_URL}"'))
    const result = await runCli(['budgets', '--config', file, '--format', 'json'], { OPENAI_KEY: 'sk-test-000000', STORE_URL: store })
    expect(result.code, result.stderr).toBe(0)
    const statuses = JSON.parse(result.stdout) as Array<{ name: string; limitUsd: string; spentUsd: string }>
    expect(statuses).toEqual([expect.objectContaining({ name: 'daily', limitUsd: '12.5', spentUsd: '0' })])
  }, 90_000)

  it('lets an explicit --store win over the config\'s store', async () => {
    const file = writeFile('elsewhere.yaml', yamlConfig('store: "http://127.0.0.1:9/otel"'))
    const result = await runCli(['budgets', '--config', file, '--store', store, '--format', 'json'], { OPENAI_KEY: 'sk-test-000000' })
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ name: 'daily', error: null })])
  }, 90_000)

  it('refuses a bad config naming the file, the field path and the missing variable', async () => {
    const file = writeFile('bad.yaml', yamlConfig('store: "${STORE_URL}"').replace('window: 24h', 'window: 2h'))
    const result = await runCli(['budgets', '--config', file], { OPENAI_KEY: 'sk-test-000000' })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Invalid switchyard config ${file} (2 problems)`)
    expect(result.stderr).toContain('budgets.0.window:')
    expect(result.stderr).toContain('store: names the environment variable STORE_URL, which is not set')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  }, 90_000)

  it('still reads a file holding only a list of budgets', async () => {
    const file = writeFile('budgets.json', JSON.stringify([{ name: 'weekly', window: '7d', limitUsd: 100 }]))
    const result = await runCli(['budgets', '--config', file, '--store', store])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^budget\s+window/)
    expect(result.stdout).toContain('weekly')
  }, 90_000)
})

import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { maximumConfigFileBytes } from '../../src/config/read-config-file.js'
import { ConfigError } from '../../src/errors/config-error.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('load-config')
afterAll(() => directory.remove())

let fileCount = 0
function writeConfig(extension: string, text: string): string {
  fileCount += 1
  const file = path.join(directory.path, `config-${fileCount}${extension}`)
  writeFileSync(file, text)
  return file
}

const validConfig = {
  providers: { openai: { type: 'openai', apiKey: '${OPENAI_KEY}' } },
  routes: { smart: { targets: [{ provider: 'openai', model: 'gpt-5' }] } },
  budgets: [{ name: 'daily', window: '24h', limitUsd: '25' }],
  gateway: { port: 4000, keys: [{ name: 'team-a', hash: `sha256:${'a'.repeat(64)}`, routes: ['smart', 'openai/gpt-5-mini'] }] },
}
const environment = { OPENAI_KEY: 'sk-live-0123456789abcdef' }

async function loadError(file: string, env: Record<string, string | undefined> = environment): Promise<ConfigError> {
  const error = await loadConfig(file, { environment: env }).then(() => undefined, (caught: unknown) => caught)
  if (!ConfigError.isInstance(error)) throw new Error(`expected a ConfigError, got ${String(error)}`)
  return error
}

describe('loadConfig: formats', () => {
  it('loads a JSON file, expands ${NAME} and fills in defaults', async () => {
    const config = await loadConfig(writeConfig('.json', JSON.stringify(validConfig)), { environment })
    expect(config.providers.openai).toMatchObject({ type: 'openai', apiKey: 'sk-live-0123456789abcdef' })
    expect(config.routes.smart?.retry.attempts).toBe(3)
    expect(config.budgets[0]).toMatchObject({ name: 'daily', limitUsd: '25', limitUnits: 25_000_000_000_000n })
    expect(config.gateway).toMatchObject({ port: 4000, maxBodyBytes: 16 * 1024 * 1024, maxConcurrentRequests: 512, shutdownTimeoutMs: 30_000, requestTimeoutMs: 600_000 })
    expect(config.gateway.keys[0]?.name).toBe('team-a')
    expect(config.shared).toBeUndefined()
  })

  it('loads the same config from YAML, with a shared Redis', async () => {
    const file = writeConfig('.yaml', [
      'providers:',
      '  openai: { type: openai, apiKey: "${OPENAI_KEY}" }',
      'routes:',
      '  smart:',
      '    targets:',
      '      - { provider: openai, model: gpt-5 }',
      'shared:',
      '  url: redis://127.0.0.1:6379/0',
      '',
    ].join('\n'))
    const config = await loadConfig(file, { environment })
    expect(config.providers.openai).toMatchObject({ apiKey: 'sk-live-0123456789abcdef' })
    expect(config.routes.smart?.targets).toEqual([{ provider: 'openai', model: 'gpt-5' }])
    expect(config.shared).toEqual({ url: 'redis://127.0.0.1:6379/0', onUnavailable: 'local' })
    expect(config.gateway.keys).toEqual([])
  })

  it('loads an ES module exporting an object, and one exporting an async function', async () => {
    const objectFile = writeConfig('.mjs', `export default ${JSON.stringify(validConfig)}\n`)
    expect((await loadConfig(objectFile, { environment })).routes.smart?.targets[0]?.model).toBe('gpt-5')
    const functionFile = writeConfig('.js', `export default async () => (${JSON.stringify(validConfig)})\n`)
    const config = await loadConfig(functionFile, { environment })
    expect(config.providers.openai).toMatchObject({ apiKey: 'sk-live-0123456789abcdef' })
  })

  it('sees a changed ES module on the next load (a reload is not served from the import cache)', async () => {
    const file = writeConfig('.mjs', `export default ${JSON.stringify(validConfig)}\n`)
    expect((await loadConfig(file, { environment })).gateway.port).toBe(4000)
    writeFileSync(file, `export default ${JSON.stringify({ ...validConfig, gateway: { port: 4001 } })}\n`)
    expect((await loadConfig(file, { environment })).gateway.port).toBe(4001)
  })

  it('takes an ES module\'s named exports as the config when it has no default export, and refuses one that exports nothing', async () => {
    const named = writeConfig('.mjs', "export const providers = { sim: { type: 'simulated' } }\nexport const routes = { fast: { targets: [{ provider: 'sim', model: 'gpt-4.1-mini' }] } }\n")
    const config = await loadConfig(named, { environment: {} })
    expect(Object.keys(config.routes)).toEqual(['fast'])
    const empty = writeConfig('.mjs', 'const providers = {}\nvoid providers\n')
    const error = await loadError(empty)
    expect(error.message).toContain(empty)
    expect(error.message).toContain('exports nothing')
  })

  it('reports a module that throws by its first line, without a stack or a key it quotes', async () => {
    const file = writeConfig('.mjs', "export default () => { throw new Error('cannot reach vault with sk-live-abcdefgh12345678\\nsecond line') }\n")
    const error = await loadError(file)
    expect(error.message).toBe(`Cannot load switchyard config ${file}: the module failed: Error: cannot reach vault with [REDACTED]`)
  })

  it('names the file for a missing file and an unknown extension, without a stack', async () => {
    const missing = path.join(directory.path, 'nope.json')
    const error = await loadError(missing)
    expect(error.message).toBe(`Cannot load switchyard config ${missing}: no such file`)
    expect(error.cause).toBeUndefined()
    expect((await loadError(writeConfig('.toml', 'a = 1'))).message).toContain('use a .json, .yaml, .yml, .js or .mjs file')
  })
})

describe('loadConfig: syntax errors and bounds', () => {
  it('reports a YAML syntax error with its line and column, without quoting the file', async () => {
    const file = writeConfig('.yml', 'providers:\n  openai: { type: openai, apiKey: sk-literal-secret-123\nroutes: {}\n')
    const error = await loadError(file)
    expect(error.message).toMatch(new RegExp(`^Cannot load switchyard config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`))
    expect(error.message).not.toContain('sk-literal-secret-123')
  })

  it('reports a duplicate YAML key at its line', async () => {
    const error = await loadError(writeConfig('.yaml', 'providers: {}\nroutes: {}\nproviders: {}\n'))
    expect(error.message).toMatch(/:3:1: invalid YAML: Map keys must be unique/)
  })

  it('refuses a YAML alias bomb before expanding it', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let level = 1; level <= 8; level += 1) {
      const previous = String.fromCharCode(96 + level)
      const next = String.fromCharCode(97 + level)
      lines.push(`${next}: &${next} [${Array.from({ length: 10 }, () => `*${previous}`).join(', ')}]`)
    }
    const error = await loadError(writeConfig('.yaml', `${lines.join('\n')}\n`))
    expect(error.message).toMatch(/invalid YAML: .*alias/i)
  })

  it('reports a JSON syntax error with its line and column', async () => {
    const error = await loadError(writeConfig('.json', '{\n  "providers": {},\n}\n'))
    expect(error.message).toMatch(/config-\d+\.json:3:1: invalid JSON/)
  })

  it('refuses an oversized file before parsing it', async () => {
    const file = writeConfig('.json', `{"padding": "${'x'.repeat(maximumConfigFileBytes)}"}`)
    const error = await loadError(file)
    expect(error.message).toContain(`a config file may have at most ${maximumConfigFileBytes}`)
  })
})

describe('loadConfig: a JSON syntax error never quotes the file', () => {
  it('names line and column but not the secret V8 would quote', async () => {
    const error = await loadError(writeConfig('.json', '{\n  "providers": { "openai": { "type": "openai", "apiKey": sk-live-literal-secret } }\n}\n'))
    expect(error.message).toMatch(/config-\d+\.json:2:58: invalid JSON: unexpected "s"$/)
    expect(error.message).not.toContain('literal-secret')
  })
})

describe('loadConfig: SWITCHYARD_REDIS_URL', () => {
  it('stands for shared.url in a file without `shared`, and gives way to the file\'s own', async () => {
    const plain = writeConfig('.json', JSON.stringify(validConfig))
    const fromEnvironment = await loadConfig(plain, { environment: { ...environment, SWITCHYARD_REDIS_URL: 'redis://127.0.0.1:6390/0' } })
    expect(fromEnvironment.shared).toEqual({ url: 'redis://127.0.0.1:6390/0', onUnavailable: 'local' })
    const withShared = writeConfig('.json', JSON.stringify({ ...validConfig, shared: { url: 'redis://cache:6379/1', onUnavailable: 'block' } }))
    const fromFile = await loadConfig(withShared, { environment: { ...environment, SWITCHYARD_REDIS_URL: 'redis://127.0.0.1:6390/0' } })
    expect(fromFile.shared).toEqual({ url: 'redis://cache:6379/1', onUnavailable: 'block' })
    expect((await loadConfig(plain, { environment })).shared).toBeUndefined()
  })

  it('names the variable\'s field, not its value, when the URL is not a Redis URL', async () => {
    const error = await loadError(writeConfig('.json', JSON.stringify(validConfig)), { ...environment, SWITCHYARD_REDIS_URL: 'http://user:hunter2-secret@cache:6379' })
    expect(error.issues.map((issue) => issue.path)).toContain('shared.url')
    expect(error.message).not.toContain('hunter2-secret')
  })
})

import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { routerConfigOf } from '../../src/config/router-config-of.js'
import { parseSwitchyardConfig } from '../../src/config/switchyard-config.js'
import { ConfigError } from '../../src/errors/config-error.js'
import { createRouter } from '../../src/router/create-router.js'
import { routerConfigSchema } from '../../src/router/router-config.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('switchyard-config')
afterAll(() => directory.remove())

const hash = (digit: string): string => `sha256:${digit.repeat(64)}`
const base = {
  providers: { openai: { type: 'openai', apiKey: 'sk-test-0123456789' }, anthropic: { type: 'anthropic', apiKey: 'sk-ant-test-0123456789' } },
  routes: { smart: { targets: [{ provider: 'openai', model: 'gpt-5' }, { provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
}

function parseError(input: unknown): ConfigError {
  try {
    parseSwitchyardConfig(input, { source: 'switchyard.config.json' })
  } catch (error) {
    if (ConfigError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected the config to be refused')
}

function pathsOf(error: ConfigError): string[] {
  return error.issues.map((issue) => issue.path)
}

describe('parseSwitchyardConfig', () => {
  it('reports a bad router field with its dotted path', () => {
    const error = parseError({ ...base, routes: { smart: { targets: [{ provider: 'opneai', model: 'gpt-5' }] } } })
    expect(pathsOf(error)).toEqual(['routes.smart.targets.0.provider'])
    expect(error.code).toBe('config_invalid')
    expect(error.message).toContain('Invalid switchyard config switchyard.config.json (1 problem)')
    expect(error.message).toContain('routes.smart.targets.0.provider: names provider "opneai", which is not configured')
  })

  it('reports problems in the router, gateway and shared parts in one pass', () => {
    const error = parseError({
      ...base,
      routes: { smart: { targets: [{ provider: 'openai', model: 'gpt-5' }], retry: { attemps: 2 } } },
      budgets: [{ name: 'daily', window: '2h', limitUsd: 5 }],
      gateway: { port: 70_000, maxBodyBytes: 1024 ** 3, keys: [{ name: 'team a', hash: 'plain-text-key' }] },
      shared: { url: 'http://127.0.0.1:6379' },
    })
    expect(pathsOf(error).sort()).toEqual([
      'budgets.0.window',
      'gateway.keys.0.hash',
      'gateway.keys.0.name',
      'gateway.maxBodyBytes',
      'gateway.port',
      'routes.smart.retry.attemps',
      'shared.url',
    ])
    expect(error.issues.find((issue) => issue.path === 'gateway.keys.0.hash')?.message).toContain('switchyard keys create')
    expect(error.message).toContain('(7 problems)')
  })

  it('names an unknown top-level key by its own path and lists the known fields', () => {
    const error = parseError({ ...base, gatway: { port: 1 } })
    expect(error.issues).toEqual([{ path: 'gatway', message: expect.stringContaining('gateway, shared') }])
    expect(error.issues[0]?.message).toContain('providers, routes, budgets')
  })

  it('checks each key route against the configured routes and providers', () => {
    const error = parseError({
      ...base,
      gateway: {
        keys: [
          { name: 'team-a', hash: hash('a'), routes: ['smart', 'openai/gpt-5-mini'] },
          { name: 'team-b', hash: hash('b'), routes: ['smart', 'fast', 'mistral/large'] },
        ],
      },
    })
    expect(error.issues).toEqual([
      { path: 'gateway.keys.1.routes.1', message: '"fast" is neither a configured route nor "<provider>/<model>"' },
      { path: 'gateway.keys.1.routes.2', message: 'names provider "mistral", which is not configured (configured: openai, anthropic)' },
    ])
  })

  it('refuses a repeated key name on the repeat, and a repeated hash', () => {
    const error = parseError({ ...base, gateway: { keys: [{ name: 'team-a', hash: hash('a') }, { name: 'team-b', hash: hash('b') }, { name: 'team-a', hash: hash('a') }] } })
    expect(error.issues).toEqual([
      { path: 'gateway.keys.2.name', message: 'repeats the name of keys[0] ("team-a"); key names must be unique' },
      { path: 'gateway.keys.2.hash', message: 'repeats the hash of keys[0]; give each key its own secret' },
    ])
  })

  it('refuses the reserved tag "key" and bounds rate limits', () => {
    const error = parseError({ ...base, gateway: { keys: [{ name: 'team-a', hash: hash('a'), tags: { key: 'x', team: 'a' }, rateLimit: { requestsPerMinute: 0 } }] } })
    expect(pathsOf(error).sort()).toEqual(['gateway.keys.0.rateLimit.requestsPerMinute', 'gateway.keys.0.tags.key'])
    expect(error.issues.find((issue) => issue.path === 'gateway.keys.0.tags.key')?.message).toContain('reserved')
  })

  it('quotes a name with a dot so the path stays unambiguous', () => {
    const error = parseError({ ...base, routes: { 'eu.west': { strategy: 'fastest', targets: [{ provider: 'openai', model: 'gpt-5' }] } } })
    expect(pathsOf(error)).toEqual(['routes["eu.west"].strategy'])
  })

  it('never puts a provider key or a Redis password in its messages', () => {
    const error = parseError({
      providers: { openai: { type: 'openai', apiKey: 'sk-proj-secretvalue123', timeoutMs: -1 } },
      routes: { smart: { targets: [{ provider: 'sk-proj-secretvalue123', model: 'gpt-5' }] } },
      shared: { url: 'redis://:hunter2hunter2@127.0.0.1:6379', onUnavailable: 'panic' },
    })
    expect(pathsOf(error).sort()).toEqual(['providers.openai.timeoutMs', 'routes.smart.targets.0.provider', 'shared.onUnavailable'])
    expect(JSON.stringify(error.issues) + error.message).not.toMatch(/secretvalue123|hunter2hunter2/)
  })

  it('takes shared headroom settings and names a bad one by its path', () => {
    const config = parseSwitchyardConfig({ ...base, shared: { url: 'redis://127.0.0.1:6379', headroom: { minCallsPerSecond: 50, maxShareOfRoom: 0.1 } } })
    expect(config.shared?.headroom).toEqual({ minCallsPerSecond: 50, maxShareOfRoom: 0.1 })
    const error = parseError({ ...base, shared: { url: 'redis://127.0.0.1:6379', headroom: { maxShareOfRoom: 2, burst: true } } })
    expect(pathsOf(error).sort()).toEqual(['shared.headroom.burst', 'shared.headroom.maxShareOfRoom'])
  })
})

describe('a loaded config and createRouter', () => {
  it('goes to createRouter through routerConfigOf, budgets included', async () => {
    const input = { ...base, budgets: [{ name: 'daily', window: { calendar: 'day' }, limitUsd: '0.25', actions: [{ at: 0.8, do: 'warn' }, { at: 1, do: 'block' }] }] }
    const config = parseSwitchyardConfig(input)
    // A parsed budget has its limit twice (limitUsd and limitUnits); the router's strict schema refuses the second.
    expect(routerConfigSchema.safeParse(config).success).toBe(false)
    const routerInput = routerConfigOf(config)
    expect(routerConfigSchema.parse(routerInput)).toEqual(routerConfigSchema.parse(input))
    const router = createRouter({ ...routerInput, spendEndpoint: 'http://127.0.0.1:9' })
    await router.close()
  })
})

describe('loadConfig: ${NAME}', () => {
  function write(name: string, value: unknown): string {
    const file = path.join(directory.path, name)
    writeFileSync(file, JSON.stringify(value))
    return file
  }

  it('expands variables inside nested strings, and $${ is a literal ${', async () => {
    const file = write('nested.json', {
      ...base,
      providers: { openai: { type: 'openai', apiKey: '${KEY}', baseURL: 'https://${HOST}/v1', headers: { 'x-note': 'cost $${not a variable}' } } },
      routes: { smart: { targets: [{ provider: 'openai', model: '${MODEL}' }] } },
    })
    const config = await loadConfig(file, { environment: { KEY: 'sk-abc-123456', HOST: 'llm.internal', MODEL: 'gpt-5' } })
    expect(config.providers.openai).toMatchObject({ apiKey: 'sk-abc-123456', baseURL: 'https://llm.internal/v1', headers: { 'x-note': 'cost ${not a variable}' } })
    expect(config.routes.smart?.targets[0]?.model).toBe('gpt-5')
  })

  it('names the field and the variable that is missing or empty, with other problems in the same pass', async () => {
    const file = write('missing.json', {
      ...base,
      providers: { openai: { type: 'openai', apiKey: '${OPENAI_KEY}' } },
      routes: { smart: { targets: [{ provider: 'openai', model: '${MODEL}' }], strategy: 'fastest' } },
      store: 'http://ops:${STORE_PASSWORD}@127.0.0.1:8123/otel',
      gateway: { keys: [{ name: 'team-a', hash: '${TEAM_A_HASH' }] },
    })
    const error = await loadConfig(file, { environment: { MODEL: '' } }).catch((caught: unknown) => caught)
    if (!ConfigError.isInstance(error)) throw new Error('expected a ConfigError')
    expect(error.issues).toEqual([
      { path: 'providers.openai.apiKey', message: 'names the environment variable OPENAI_KEY, which is not set' },
      { path: 'routes.smart.targets.0.model', message: 'names the environment variable MODEL, which is empty' },
      { path: 'store', message: 'names the environment variable STORE_PASSWORD, which is not set' },
      { path: 'gateway.keys.0.hash', message: expect.stringContaining('malformed ${...}') },
      { path: 'routes.smart.strategy', message: expect.stringContaining('Invalid option') },
    ])
    expect(error.message).toContain(`Invalid switchyard config ${file} (5 problems)`)
  })

  it('never echoes a value a variable put in, even where that value is the problem', async () => {
    const file = write('leak.json', {
      ...base,
      providers: { openai: { type: 'openai', apiKey: '${OPENAI_KEY}' } },
      routes: { smart: { targets: [{ provider: '${PROVIDER}', model: 'gpt-5' }] } },
      budgets: [{ name: 'daily', window: '24h', limitUsd: '${LIMIT}' }],
    })
    const error = await loadConfig(file, { environment: { OPENAI_KEY: 'sk-leaky-0000', PROVIDER: 'topsecretprovider', LIMIT: 'secretlimit' } }).catch((caught: unknown) => caught)
    if (!ConfigError.isInstance(error)) throw new Error('expected a ConfigError')
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['budgets.0.limitUsd', 'routes.smart.targets.0.provider'])
    expect(error.message + JSON.stringify(error.issues)).not.toMatch(/topsecretprovider|secretlimit|sk-leaky/)
  })
})

import { describe, expect, it } from 'vitest'
import { configPath } from '../../src/router/config-path.js'
import { parseRouterConfig } from '../../src/router/parse-router-config.js'
import { isRouterConfigError, type RouterConfigError } from '../../src/router/router-config-error.js'

const openaiKey = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789'
const anthropicKey = 'sk-ant-api03-zyxwvutsrqponmlkjihgfedcba'

function validConfig() {
  return {
    providers: {
      primary: { type: 'openai', apiKey: openaiKey, baseURL: 'https://api.openai.com/v1' },
      backup: { type: 'anthropic', apiKey: anthropicKey },
    },
    routes: {
      smart: {
        strategy: 'fallback',
        targets: [
          { provider: 'primary', model: 'gpt-4.1' },
          { provider: 'backup', model: 'claude-sonnet-4-5' },
        ],
      },
    },
  }
}

function configError(input: unknown): RouterConfigError {
  try {
    parseRouterConfig(input)
  } catch (error) {
    if (isRouterConfigError(error)) return error
    throw error
  }
  throw new Error('expected the config to be rejected')
}

describe('parseRouterConfig', () => {
  it('fills in the documented defaults', () => {
    const config = parseRouterConfig(validConfig())
    expect(config.routes.smart).toEqual({
      strategy: 'fallback',
      targets: [
        { provider: 'primary', model: 'gpt-4.1' },
        { provider: 'backup', model: 'claude-sonnet-4-5' },
      ],
      retry: {
        attempts: 3,
        baseDelayMs: 250,
        maxDelayMs: 8_000,
        maxRetryAfterMs: 30_000,
        budgetRatio: 0.2,
        minimumRetriesPerSecond: 3,
        budgetWindowMs: 10_000,
      },
      timeouts: { attemptMs: 60_000, firstTokenMs: 20_000, totalMs: 120_000 },
      breaker: {
        failureThreshold: 5,
        errorRateThreshold: 0.5,
        windowMs: 30_000,
        minimumRequests: 10,
        cooldownMs: 15_000,
      },
      hedge: { enabled: false, maxHedges: 1 },
    })
    expect(config.budgets).toEqual([])
    // Provider options pass through for the provider factory.
    expect(config.providers.primary).toMatchObject({ type: 'openai', baseURL: 'https://api.openai.com/v1' })
  })

  it('keeps what the user set and defaults only the rest', () => {
    const input = validConfig()
    const config = parseRouterConfig({
      ...input,
      routes: { smart: { ...input.routes.smart, retry: { attempts: 5 }, hedge: { enabled: true, delayMs: 800 } } },
      store: 'chdb://.switchyard/data',
      serviceName: 'agents',
    })
    expect(config.routes.smart?.retry).toMatchObject({ attempts: 5, baseDelayMs: 250 })
    expect(config.routes.smart?.hedge).toEqual({ enabled: true, delayMs: 800, maxHedges: 1 })
    expect(config.store).toBe('chdb://.switchyard/data')
  })

  it('accepts weights on a weighted route', () => {
    const input = validConfig()
    const config = parseRouterConfig({
      ...input,
      routes: {
        split: {
          strategy: 'weighted',
          targets: [
            { provider: 'primary', model: 'gpt-4.1', weight: 70 },
            { provider: 'backup', model: 'claude-sonnet-4-5', weight: 30 },
          ],
        },
      },
    })
    expect(config.routes.split?.targets.map((target) => target.weight)).toEqual([70, 30])
  })

  it('names the target that points at a provider nobody configured', () => {
    const input = validConfig()
    input.routes.smart.targets[1] = { provider: 'backp', model: 'claude-sonnet-4-5' }
    const error = configError(input)
    expect(error.issues).toEqual([
      {
        path: 'routes.smart.targets[1].provider',
        message: 'names provider "backp", which is not configured (configured: primary, backup)',
      },
    ])
    expect(error.message).toContain('routes.smart.targets[1].provider: names provider "backp"')
  })

  it('reports every bad field in one pass, each by its dotted path', () => {
    const input = validConfig()
    const error = configError({
      ...input,
      routes: {
        smart: {
          ...input.routes.smart,
          targets: [{ provider: 'primary', model: 'gpt-4.1', weight: 2 }],
          retry: { baseDelayMs: 10_000, attemps: 2 },
          breaker: { errorRateThreshold: 1.5 },
        },
        'eu.west': { strategy: 'fastest', targets: [] },
      },
    })
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'routes.smart.retry',
      'routes.smart.breaker.errorRateThreshold',
      'routes.smart.retry.maxDelayMs',
      'routes.smart.targets[0].weight',
      'routes["eu.west"].strategy',
      'routes["eu.west"].targets',
    ])
    expect(error.message).toContain('routes.smart.retry: Unrecognized key: "attemps"')
    expect(error.message).toContain('routes.smart.retry.maxDelayMs: must be at least baseDelayMs (10000), got 8000')
    expect(error.message).toContain('weights apply only to weighted routes')
    expect(error.message).toContain('routes["eu.west"].targets: a route needs at least one target')
    expect(error.code).toBe('config_invalid')
  })

  it('rejects a target listed twice and a weighted route with no positive weight', () => {
    const input = validConfig()
    const error = configError({
      ...input,
      routes: {
        twice: { targets: [input.routes.smart.targets[0], input.routes.smart.targets[0]] },
        drained: { strategy: 'weighted', targets: [{ provider: 'primary', model: 'gpt-4.1', weight: 0 }] },
      },
    })
    expect(error.issues).toEqual([
      {
        path: 'routes.twice.targets[1]',
        message: 'repeats targets[0] (primary/gpt-4.1); use retry.attempts to call a target more than once',
      },
      { path: 'routes.drained.targets', message: 'a weighted route needs at least one target with a weight above 0' },
    ])
  })

  it('explains a bad provider name and a missing provider list', () => {
    expect(configError({ providers: { 'my provider': { type: 'openai' } } }).issues).toEqual([
      {
        path: 'providers["my provider"]',
        message: 'invalid name: provider names use letters, digits, "-", "_" and "." only',
      },
    ])
    expect(configError({ providers: {} }).issues).toEqual([
      { path: 'providers', message: 'configure at least one provider' },
    ])
    expect(configError('routes: smart').issues[0]?.path).toBe('(config)')
  })

  it('never puts an API key or a store password in the error, even when a key sits in the wrong field', () => {
    const input = validConfig()
    input.routes.smart.targets[0] = { provider: openaiKey, model: 'gpt-4.1' }
    const error = configError({
      ...input,
      providers: {
        ...input.providers,
        custom: {
          type: 'openai-compatible',
          baseURL: 'https://llm.internal/v1',
          headers: { 'x-api-key': 'hdr-secret-value-123' },
        },
      },
      routes: {
        ...input.routes,
        other: { targets: [{ provider: 'hdr-secret-value-123', model: 'm' }] },
      },
      store: 'http://default:store-password-9@clickhouse:8123/otel',
    })
    const everything = [
      error.message,
      String(error),
      error.stack ?? '',
      JSON.stringify(error),
      JSON.stringify(error.issues),
    ]
    for (const text of everything) {
      expect(text).not.toContain(openaiKey)
      expect(text).not.toContain(anthropicKey)
      expect(text).not.toContain('hdr-secret-value-123')
      expect(text).not.toContain('store-password-9')
    }
    expect(error.message).toContain('routes.smart.targets[0].provider: names provider "[REDACTED]"')
    expect(error.cause).toBeUndefined()
  })

  it('keeps the key out of errors about the provider that holds it', () => {
    const error = configError({
      providers: { primary: { type: 'openai', apiKey: openaiKey, baseURL: 'not a url', organisation: 'acme' } },
    })
    expect(error.issues.map((issue) => issue.path)).toEqual(['providers.primary.baseURL', 'providers.primary'])
    expect(JSON.stringify(error)).not.toContain(openaiKey)
    expect(error.message).not.toContain(openaiKey)
  })
})

describe('configPath', () => {
  it('writes paths the way a user points at a field', () => {
    expect(configPath(['routes', 'smart', 'targets', 1, 'provider'])).toBe('routes.smart.targets[1].provider')
    expect(configPath(['routes', 'eu west', 'retry'])).toBe('routes["eu west"].retry')
    expect(configPath([])).toBe('(config)')
  })
})

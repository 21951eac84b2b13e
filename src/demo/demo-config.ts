import type { RouterConfigInput } from '../router/router-config.js'

const fast = { medianMs: 60, p95Ms: 160 }
const quickFirstToken = { medianMs: 25, p95Ms: 70 }

/**
 * The demo's simulated world, scaled to run in well under a minute: model names
 * from the real price table (so costs are real prices), an Anthropic outage
 * window (fallbacks, the breaker opens, then recovers), a Gemini that turns slow
 * (latency routing moves away from it), and a budget small enough to cross its
 * warn, downgrade and block thresholds.
 */
export function demoRouterConfig(options: { outageFromMs: number; outageToMs: number; slowFromMs: number }): RouterConfigInput {
  return {
    providers: {
      openai: { type: 'simulated', seed: 11, providerName: 'openai', latencyMs: fast, timeToFirstTokenMs: quickFirstToken, outputTokens: { min: 60, max: 400 }, cachedInputRatio: 0.5, faults: { probability: { serverError: 0.01 } } },
      anthropic: {
        type: 'simulated',
        seed: 22,
        providerName: 'anthropic',
        latencyMs: { medianMs: 90, p95Ms: 220 },
        timeToFirstTokenMs: { medianMs: 35, p95Ms: 90 },
        outputTokens: { min: 120, max: 900 },
        phases: [{ fromMs: options.outageFromMs, toMs: options.outageToMs, faults: { probability: { serverError: 1 } } }],
      },
      gemini: {
        type: 'simulated',
        seed: 33,
        providerName: 'gcp.gemini',
        latencyMs: { medianMs: 50, p95Ms: 120 },
        timeToFirstTokenMs: { medianMs: 20, p95Ms: 60 },
        outputTokens: { min: 20, max: 80 },
        phases: [{ fromMs: options.slowFromMs, toMs: 3_600_000, latencyMs: { medianMs: 600, p95Ms: 1_200 }, timeToFirstTokenMs: { medianMs: 400, p95Ms: 900 } }],
      },
    },
    routes: {
      classify: {
        strategy: 'latency',
        targets: [{ provider: 'gemini', model: 'gemini-2.5-flash-lite' }, { provider: 'openai', model: 'gpt-4.1-nano' }],
        retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
      },
      plan: {
        strategy: 'fallback',
        targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }, { provider: 'openai', model: 'gpt-4.1' }],
        retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
        breaker: { failureThreshold: 4, cooldownMs: 2_500, windowMs: 10_000, minimumRequests: 8 },
      },
      execute: {
        strategy: 'weighted',
        targets: [{ provider: 'openai', model: 'gpt-4.1-mini', weight: 7 }, { provider: 'anthropic', model: 'claude-haiku-4-5', weight: 3 }],
        retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
        breaker: { failureThreshold: 4, cooldownMs: 2_500, windowMs: 10_000, minimumRequests: 8 },
      },
      verify: {
        strategy: 'cost',
        targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }, { provider: 'openai', model: 'gpt-4.1-nano' }],
      },
      'plan-economy': { targets: [{ provider: 'openai', model: 'gpt-4.1' }], retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 100 } },
      code: {
        strategy: 'fallback',
        targets: [{ provider: 'openai', model: 'gpt-4.1' }, { provider: 'anthropic', model: 'claude-sonnet-4-5' }],
        retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
      },
    },
  }
}

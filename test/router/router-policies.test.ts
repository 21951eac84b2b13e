import { describe, expect, it } from 'vitest'
import { createRouter } from '../../src/router/create-router.js'
import { isAllTargetsFailedError } from '../../src/router/router-errors.js'

const messages = [{ role: 'user' as const, content: 'classify this ticket' }]

describe('routing policies over simulated providers', () => {
  it('spreads a weighted route by weight, within tolerance, over a bounded number of calls', async () => {
    const router = createRouter({
      providers: {
        big: { type: 'simulated', seed: 1, latencyMs: { medianMs: 0, p95Ms: 0 }, timeToFirstTokenMs: { medianMs: 0, p95Ms: 0 } },
        small: { type: 'simulated', seed: 2, latencyMs: { medianMs: 0, p95Ms: 0 }, timeToFirstTokenMs: { medianMs: 0, p95Ms: 0 } },
      },
      routes: { spread: { strategy: 'weighted', targets: [{ provider: 'big', model: 'sim-large', weight: 7 }, { provider: 'small', model: 'sim-small', weight: 3 }] } },
    })
    const calls = 2_000
    const counts: Record<string, number> = { big: 0, small: 0 }
    for (let call = 0; call < calls; call++) {
      const result = await router.chat({ route: 'spread', messages })
      counts[result.provider] = (counts[result.provider] ?? 0) + 1
    }
    await router.close()
    expect(counts.big! / calls).toBeGreaterThan(0.66)
    expect(counts.big! / calls).toBeLessThan(0.74)
  })

  it('keeps attempts within the retry budget ratio in a storm where every target returns 503', async () => {
    const storm = { probability: { serverError: 1 } }
    const router = createRouter({
      providers: {
        first: { type: 'simulated', seed: 3, latencyMs: { medianMs: 0, p95Ms: 0 }, timeToFirstTokenMs: { medianMs: 0, p95Ms: 0 }, faults: storm },
        second: { type: 'simulated', seed: 4, latencyMs: { medianMs: 0, p95Ms: 0 }, timeToFirstTokenMs: { medianMs: 0, p95Ms: 0 }, faults: storm },
      },
      routes: {
        fragile: {
          targets: [{ provider: 'first', model: 'sim-a' }, { provider: 'second', model: 'sim-b' }],
          retry: { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, budgetRatio: 0.2, minimumRetriesPerSecond: 1, budgetWindowMs: 60_000 },
          // Breakers would also cut the storm; switch them off to measure the budget alone.
          breaker: { failureThreshold: 1_000, minimumRequests: 100_000 },
        },
      },
    })
    const requests = 500
    let attempts = 0
    let failed = 0
    for (let request = 0; request < requests; request++) {
      const error = await router.chat({ route: 'fragile', messages }).catch((caught: unknown) => caught)
      if (isAllTargetsFailedError(error)) {
        failed += 1
        attempts += error.attempts.length
      }
    }
    await router.close()
    expect(failed).toBe(requests)
    // Without the budget this storm would make 500 × 3 attempts × 2 targets = 3000 calls.
    const allowedRetries = requests * 0.2 + 1 * 60 + 1
    expect(attempts).toBeLessThanOrEqual(requests + allowedRetries)
    expect(attempts).toBeGreaterThan(requests)
  })

  it('prefers the cheapest target that fits on a cost route', async () => {
    const router = createRouter({
      providers: {
        openai: { type: 'simulated', seed: 5, providerName: 'openai', latencyMs: { medianMs: 0, p95Ms: 0 } },
      },
      routes: { thrifty: { strategy: 'cost', targets: [{ provider: 'openai', model: 'gpt-4.1' }, { provider: 'openai', model: 'gpt-4.1-nano' }, { provider: 'openai', model: 'gpt-4.1-mini' }] } },
    })
    const result = await router.chat({ route: 'thrifty', messages })
    await router.close()
    expect(result.attempts[0]!.model).toBe('gpt-4.1-nano')
  })

  it('names the bad field of a bad config, without echoing the API key', () => {
    let error: unknown
    try {
      createRouter({
        providers: { primary: { type: 'openai', apiKey: 'sk-config-SECRET', baseURL: 'not a url' } },
        routes: { smart: { targets: [{ provider: 'missing', model: 'gpt-4.1' }] } },
      })
    } catch (caught) {
      error = caught
    }
    expect(String(error)).toMatch(/providers\.primary\.baseURL/)
    expect(String(error)).not.toContain('sk-config-SECRET')
  })
})

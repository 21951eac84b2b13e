import { describe, expect, it } from 'vitest'
import { SimulatedProvider } from '../../src/providers/simulated/simulated-provider.js'
import { isProviderError } from '../../src/providers/provider-error.js'
import { rejection } from '../helpers/provider-server.js'

const instant = { sleep: async () => {} }

describe('simulated embeddings', () => {
  it('gives the same unit vector for the same text, whatever else is in the request, and counts tokens at 4 characters', async () => {
    const provider = new SimulatedProvider({ seed: 3, ...instant })
    const first = await provider.embed({ model: 'sim-embed', input: ['alpha text', 'beta'] })
    const second = await provider.embed({ model: 'sim-embed', input: ['gamma', 'alpha text'] })
    expect(first.embeddings[0]).toEqual(second.embeddings[1])
    expect(first.embeddings[0]).not.toEqual(first.embeddings[1])
    expect(first.embeddings[0]).toHaveLength(256)
    const norm = Math.sqrt(first.embeddings[0]!.reduce((sum, value) => sum + value * value, 0))
    expect(norm).toBeCloseTo(1, 10)
    expect(first).toMatchObject({ inputTokens: 3 + 1, usageReported: true, responseModel: 'sim-embed' })
  })

  it('honours dimensions, and another seed or model gives other vectors', async () => {
    const provider = new SimulatedProvider({ seed: 3, ...instant })
    const other = new SimulatedProvider({ seed: 4, ...instant })
    const base = await provider.embed({ model: 'sim-embed', input: ['alpha'], dimensions: 8 })
    expect(base.embeddings[0]).toHaveLength(8)
    expect((await other.embed({ model: 'sim-embed', input: ['alpha'], dimensions: 8 })).embeddings[0]).not.toEqual(base.embeddings[0])
    expect((await provider.embed({ model: 'sim-embed-2', input: ['alpha'], dimensions: 8 })).embeddings[0]).not.toEqual(base.embeddings[0])
  })

  it('follows the fault schedule like chat: the scheduled call answers 429', async () => {
    const provider = new SimulatedProvider({ seed: 3, ...instant, faults: { schedule: [{ call: 2, fault: { type: 'rate_limit', retryAfterMs: 40 } }] } })
    await provider.embed({ model: 'sim-embed', input: ['a'] })
    const error = await rejection(provider.embed({ model: 'sim-embed', input: ['a'] }))
    expect(isProviderError(error) && error.code).toBe('rate_limit')
  })
})

import { describe, expect, it } from 'vitest'
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js'
import { createProvider, ProviderConfigError } from '../../src/providers/create-provider.js'
import { GeminiProvider } from '../../src/providers/gemini/gemini-provider.js'
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import { providerConfigSchema, type ProviderConfig } from '../../src/providers/provider-config.js'
import { SimulatedProvider } from '../../src/providers/simulated/simulated-provider.js'

describe('createProvider', () => {
  it.each([
    [{ type: 'openai', apiKey: 'sk-test' }, OpenAIProvider, 'openai', 'api.openai.com', 443],
    [{ type: 'anthropic', apiKey: 'sk-ant' }, AnthropicProvider, 'anthropic', 'api.anthropic.com', 443],
    [{ type: 'gemini', apiKey: 'AIza-test' }, GeminiProvider, 'gcp.gemini', 'generativelanguage.googleapis.com', 443],
    [{ type: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1', authStyle: 'none' }, OpenAIProvider, 'local', '127.0.0.1', 11434],
    [{ type: 'simulated', seed: 1 }, SimulatedProvider, 'local', 'simulated', 0],
  ] as const)('builds %o', async (config, kind, providerName, address, port) => {
    const provider = createProvider('local', config as ProviderConfig)
    expect(provider).toBeInstanceOf(kind)
    expect(provider.providerName).toBe(providerName)
    expect(provider.serverAddress).toBe(address)
    expect(provider.serverPort).toBe(port)
    await provider.close()
  })

  it('names the bad field of an invalid config', () => {
    const config = { type: 'openai-compatible', baseURL: 'not a url' } as unknown as ProviderConfig
    expect(() => createProvider('groq', config)).toThrow(ProviderConfigError)
    expect(() => createProvider('groq', config)).toThrow(/groq.*baseURL/)
  })

  it('rejects unknown keys, so that a typo fails at start', () => {
    const parsed = providerConfigSchema.safeParse({ type: 'anthropic', apiKey: 'k', defaultMaxToken: 10 })
    expect(parsed.success).toBe(false)
  })

  it('requires an API key for hosted APIs', () => {
    expect(() => createProvider('openai', { type: 'openai' })).toThrow(/apiKey/)
  })

  it('validates simulated faults', () => {
    const parsed = providerConfigSchema.safeParse({
      type: 'simulated',
      faults: { schedule: [{ call: 1, fault: { type: 'explode' } }] },
    })
    expect(parsed.success).toBe(false)
  })
})

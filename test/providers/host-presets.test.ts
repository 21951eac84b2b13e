import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors/config-error.js'
import { createProvider, ProviderConfigError } from '../../src/providers/create-provider.js'
import { hostPresets } from '../../src/providers/host-presets.js'
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible.js'
import type { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import { providerConfigSchema } from '../../src/providers/provider-config.js'
import type { ProviderRequest } from '../../src/providers/provider.js'
import { collect, fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
const providers: OpenAIProvider[] = []

beforeAll(async () => {
  server = await startProviderServer()
})

afterAll(async () => {
  await Promise.all(providers.map((provider) => provider.close()))
  await server.close()
})

afterEach(() => {
  server.requests.length = 0
})

function hostProvider(name: string, config: Record<string, unknown>): OpenAIProvider {
  const provider = createProvider(name, { type: 'openai-compatible', ...config } as never) as OpenAIProvider
  providers.push(provider)
  return provider
}

const request: ProviderRequest = {
  model: 'some-model',
  maxTokens: 64,
  messages: [
    { role: 'developer', content: 'Be brief.' },
    { role: 'user', content: 'Hello' },
  ],
}

async function sent(provider: OpenAIProvider, stream: boolean): Promise<{ url: string; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  if (stream) {
    server.reply({ sse: fixture('openai/chat-stream.sse') })
    await collect(provider.stream(request))
  } else {
    server.reply({ body: fixtureJson('openai/chat-completion.json') })
    await provider.chat(request)
  }
  const last = server.lastRequest()
  return { url: last.url, headers: last.headers, body: last.json() as Record<string, unknown> }
}

describe('openai-compatible presets', () => {
  it('azure: api-key header, a default api-version on deployment URLs, and max_completion_tokens, which reasoning deployments require', async () => {
    const azure = hostProvider('azure-prod', { preset: 'azure', apiKey: 'azure-key-0123456789', baseURL: `${server.url}/openai/deployments/o4-mini-prod` })
    const { url, headers, body } = await sent(azure, false)
    expect(url).toBe('/openai/deployments/o4-mini-prod/chat/completions?api-version=2024-10-21')
    expect(headers['api-key']).toBe('azure-key-0123456789')
    expect(headers.authorization).toBeUndefined()
    expect(body.max_completion_tokens).toBe(64)
    expect(body).not.toHaveProperty('max_tokens')
    expect(azure.providerName).toBe('azure-prod')
  })

  it('azure: the unversioned v1 API gets no api-version, and a configured one wins on deployment URLs', async () => {
    const v1 = hostProvider('azure-v1', { preset: 'azure', apiKey: 'azure-key-0123456789', baseURL: `${server.url}/openai/v1` })
    expect((await sent(v1, false)).url).toBe('/openai/v1/chat/completions')
    const pinned = hostProvider('azure-pinned', {
      preset: 'azure',
      apiKey: 'azure-key-0123456789',
      baseURL: `${server.url}/openai/deployments/gpt-5`,
      query: { 'api-version': '2025-04-01-preview' },
    })
    expect((await sent(pinned, false)).url).toBe('/openai/deployments/gpt-5/chat/completions?api-version=2025-04-01-preview')
  })

  it('groq: bearer auth and max_completion_tokens', async () => {
    const groq = hostProvider('groq', { preset: 'groq', apiKey: 'gsk_test_key_123456', baseURL: `${server.url}/openai/v1` })
    const { url, headers, body } = await sent(groq, false)
    expect(url).toBe('/openai/v1/chat/completions')
    expect(headers.authorization).toBe('Bearer gsk_test_key_123456')
    expect(body).toMatchObject({ max_completion_tokens: 64, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }] })
  })

  it('mistral: max_tokens, and a stream without stream_options, which it refuses', async () => {
    const mistral = hostProvider('mistral', { preset: 'mistral', apiKey: 'mistral-key-123456', baseURL: `${server.url}/v1` })
    const { body } = await sent(mistral, true)
    expect(body).toMatchObject({ max_tokens: 64, stream: true })
    expect(body).not.toHaveProperty('stream_options')
    expect(body).not.toHaveProperty('max_completion_tokens')
  })

  it.each(['together', 'deepseek', 'openrouter', 'vllm'] as const)('%s: max_tokens, and streams ask for usage', async (preset) => {
    const host = hostProvider(preset, { preset, apiKey: 'host-key-123456', baseURL: `${server.url}/v1` })
    const { body } = await sent(host, true)
    expect(body).toMatchObject({ max_tokens: 64, stream_options: { include_usage: true } })
  })

  it('ollama: no auth header even with a key, unless the config asks for one', async () => {
    const ollama = hostProvider('ollama', { preset: 'ollama', apiKey: 'unused-key-123456', baseURL: `${server.url}/v1` })
    expect((await sent(ollama, false)).headers.authorization).toBeUndefined()
    const bearer = hostProvider('ollama-proxied', { preset: 'ollama', authStyle: 'bearer', apiKey: 'proxy-key-123456', baseURL: `${server.url}/v1` })
    expect((await sent(bearer, false)).headers.authorization).toBe('Bearer proxy-key-123456')
  })

  it('fills in the default address of a hosted preset, and a config field beside a preset wins', async () => {
    expect(hostProvider('openrouter', { preset: 'openrouter', apiKey: 'sk-or-v1-test' }).serverAddress).toBe('openrouter.ai')
    expect(hostProvider('deepseek', { preset: 'deepseek', apiKey: 'sk-test' }).serverAddress).toBe('api.deepseek.com')
    const groq = hostProvider('groq-legacy', { preset: 'groq', maxTokensField: 'max_tokens', apiKey: 'gsk_test_key_123456', baseURL: `${server.url}/openai/v1` })
    expect((await sent(groq, false)).body.max_tokens).toBe(64)
  })

  it('reads Groq stream usage from x_groq.usage of the last chunk', async () => {
    const groq = hostProvider('groq-stream', { preset: 'groq', apiKey: 'gsk_test_key_123456', baseURL: `${server.url}/openai/v1` })
    const chunk = (fields: Record<string, unknown>): string => `data: ${JSON.stringify({ id: 'chatcmpl-g1', object: 'chat.completion.chunk', model: 'llama-3.3-70b-versatile', ...fields })}\n\n`
    server.reply({
      sse: [
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] }),
        chunk({
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          x_groq: { id: 'req_01hy8ppkajfqk987jv2vx88m9r', usage: { queue_time: 0.07, prompt_tokens: 23, prompt_time: 0.006, completion_tokens: 19, completion_time: 0.022, total_tokens: 42 } },
        }),
        'data: [DONE]\n\n',
      ].join(''),
    })
    const events = await collect(groq.stream(request))
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result).toMatchObject({ text: 'Hi', usage: { inputTokens: 23, outputTokens: 19 } })
  })
})

describe('openai-compatible preset config', () => {
  it('names preset when it is not a known host', () => {
    const parsed = providerConfigSchema.safeParse({ type: 'openai-compatible', preset: 'azure-openai', baseURL: 'https://x.openai.azure.com/openai/v1' })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['preset'])
  })

  it('names baseURL when azure has none, with the shape it takes', () => {
    expect(() => createProvider('azure', { type: 'openai-compatible', preset: 'azure', apiKey: 'k-123456' })).toThrow(ProviderConfigError)
    expect(() => createProvider('azure', { type: 'openai-compatible', preset: 'azure', apiKey: 'k-123456' })).toThrow(/baseURL: the azure preset needs a baseURL: https:\/\/\{resource\}/)
  })

  it('still names baseURL when there is neither a preset nor a baseURL', () => {
    const parsed = providerConfigSchema.safeParse({ type: 'openai-compatible' })
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['baseURL'])
  })

  it('fails with a ConfigError when the factory is called without an address', () => {
    expect(() => createOpenAICompatibleProvider({ providerName: 'azure', preset: 'azure' })).toThrow(ConfigError)
  })

  it('has a base URL shape for every preset, and a default address for every hosted one but azure', () => {
    for (const [name, preset] of Object.entries(hostPresets)) {
      expect(preset.baseURLShape).not.toBe('')
      expect(preset.baseURL === undefined).toBe(name === 'azure')
    }
  })
})

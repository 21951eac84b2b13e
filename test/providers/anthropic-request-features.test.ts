import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/model-call/chat-message.js'
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js'
import type { ProviderRequest } from '../../src/providers/provider.js'
import { isUnsupportedRequestError } from '../../src/providers/unsupported-request-error.js'
import { collect, fixture, fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
let provider: AnthropicProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new AnthropicProvider({ apiKey: 'sk-ant-FEATURES', baseURL: server.url })
})

afterAll(async () => {
  await provider.close()
  await server.close()
})

afterEach(() => {
  server.reset()
})

const citySchema = { type: 'object', properties: { city: { type: 'string' }, population: { type: 'integer' } }, required: ['city', 'population'], additionalProperties: false }
const weatherTool = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }
const question: ChatMessage = { role: 'user', content: 'Weather in Paris?' }

async function unsupported(promise: Promise<unknown>) {
  const error = await rejection(promise)
  if (!isUnsupportedRequestError(error)) throw new Error(`expected an UnsupportedRequestError, got ${String(error)}`)
  return error
}

describe('Anthropic Messages: request features', () => {
  it('sends structured output as output_config.format, and the answer text is the JSON', async () => {
    server.reply({ body: fixtureJson('anthropic/message-structured.json') })
    const result = await provider.chat({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Paris facts' }],
      responseFormat: { type: 'json_schema', name: 'city_facts', schema: citySchema, strict: true },
    })
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: citySchema } })
    expect(server.lastRequest().headers['anthropic-beta']).toBeUndefined()
    expect(body.tools).toBeUndefined()
    expect(JSON.parse(result.text)).toEqual({ city: 'Paris', population: 2102650 })
  })

  it('turns reasoning on as thinking with the effort budget, raises max_tokens by it and drops temperature', async () => {
    server.reply({ body: fixtureJson('anthropic/message-thinking.json') })
    const result = await provider.chat({ model: 'claude-opus-4-5', messages: [{ role: 'user', content: '12*7-4?' }], reasoning: { effort: 'low' }, temperature: 0.3 })
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 })
    expect(body.max_tokens).toBe(4096 + 4096)
    expect(body.temperature).toBeUndefined()
    expect(result.droppedRequestFields).toEqual(['temperature'])
    expect(result.text).toBe('80')
    expect(result.reasoning).toEqual([{ type: 'thinking', thinking: 'Twelve times seven is eighty-four; minus four is eighty.', signature: 'ErUBCkYIBhgCIkCqn3x8Lm2vQ9' }])
    expect(result.usage.reasoningOutputTokens).toBe(198)
  })

  it('asks a 4.6-generation model for adaptive thinking with output_config.effort beside the format, and budgeted thinking when a budget is given', async () => {
    server.reply({ body: fixtureJson('anthropic/message-structured.json') }, { body: fixtureJson('anthropic/message-structured.json') })
    const format = { type: 'json_schema' as const, name: 'city_facts', schema: citySchema }
    await provider.chat({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'Paris facts' }], reasoning: { effort: 'minimal' }, responseFormat: format })
    expect(server.lastRequest().json()).toMatchObject({
      max_tokens: 4096 + 1024,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low', format: { type: 'json_schema', schema: citySchema } },
    })
    await provider.chat({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'Paris facts' }], reasoning: { effort: 'high', budgetTokens: 3000 }, maxTokens: 6000 })
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 3000 })
    expect(body.output_config).toBeUndefined()
    expect(body.max_tokens).toBe(6000)
  })

  it('keeps a streamed thinking block with its signature', async () => {
    server.reply({ sse: fixture('anthropic/message-thinking-stream.sse') })
    const events = await collect(provider.stream({ model: 'claude-opus-4-5', messages: [{ role: 'user', content: '12*7-4?' }], reasoning: { budgetTokens: 2000 }, maxTokens: 8000 }))
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 })
    expect(body.max_tokens).toBe(8000)
    const finish = events.at(-1)
    if (finish?.type !== 'finish') throw new Error('no finish event')
    expect(finish.result.text).toBe('80')
    expect(finish.result.reasoning).toEqual([{ type: 'thinking', thinking: 'Twelve times seven is eighty-four; minus four is eighty.', signature: 'ErUBCkYIBhgCIkCqn3x8Lm2vQ9' }])
  })

  it('sends thinking and redacted_thinking blocks back untouched, first in the assistant turn, on the next tool turn', async () => {
    server.reply({ body: fixtureJson('anthropic/message-thinking-tool-use.json') })
    const request: ProviderRequest = { model: 'claude-sonnet-4-5', messages: [question], tools: [weatherTool], reasoning: { effort: 'medium' }, parallelToolCalls: false }
    const first = await provider.chat(request)
    expect(first.reasoning).toHaveLength(2)
    expect(server.lastRequest().json()).toMatchObject({ tool_choice: { type: 'auto', disable_parallel_tool_use: true } })
    server.reply({ body: fixtureJson('anthropic/message.json') })
    await provider.chat({
      ...request,
      messages: [
        question,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls, reasoning: first.reasoning },
        { role: 'tool', toolCallId: first.toolCalls[0]!.id, content: '{"celsius":21}' },
      ],
    })
    const sent = server.lastRequest().json() as { messages: { role: string; content: unknown }[] }
    const answered = fixtureJson('anthropic/message-thinking-tool-use.json') as { content: unknown[] }
    expect(sent.messages[1]).toEqual({ role: 'assistant', content: answered.content })
  })

  it("leaves another format's reasoning (an OpenAI reasoning item) out of the assistant turn", async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') })
    await provider.chat({
      model: 'claude-sonnet-4-5',
      messages: [question, { role: 'assistant', content: 'Sunny.', reasoning: [{ type: 'openai_reasoning', id: 'rs_1', summary: ['s'] }] }, { role: 'user', content: 'Sure?' }],
    })
    expect((server.lastRequest().json() as { messages: unknown[] }).messages[1]).toEqual({ role: 'assistant', content: 'Sunny.' })
  })

  it('puts disable_parallel_tool_use on a forced tool choice, and none on a choice of none', async () => {
    server.reply({ body: fixtureJson('anthropic/message-tool-use.json') }, { body: fixtureJson('anthropic/message.json') })
    await provider.chat({ model: 'claude-sonnet-4-5', messages: [question], tools: [weatherTool], toolChoice: { name: 'get_weather' }, parallelToolCalls: false })
    expect((server.lastRequest().json() as Record<string, unknown>).tool_choice).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true })
    await provider.chat({ model: 'claude-sonnet-4-5', messages: [question], tools: [weatherTool], toolChoice: 'none', parallelToolCalls: false })
    expect((server.lastRequest().json() as Record<string, unknown>).tool_choice).toEqual({ type: 'none' })
  })

  it('sends images by URL and as base64 data, and merges providerOptions.anthropic deep and last', async () => {
    server.reply({ body: fixtureJson('anthropic/message.json') })
    await provider.chat({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'image_url', imageUrl: 'https://img.test/a.png' }, { type: 'image_url', imageUrl: 'data:image/jpeg;base64,/9j/4AAQ' }] }],
      reasoning: { budgetTokens: 1024 },
      providerOptions: { anthropic: { top_k: 5, thinking: { display: 'omitted' }, metadata: { user_id: 'u-1' } }, gemini: { seed: 1 } },
    })
    const sent = server.lastRequest()
    const body = sent.json() as Record<string, unknown>
    expect((body.messages as { content: unknown }[])[0]!.content).toEqual([
      { type: 'image', source: { type: 'url', url: 'https://img.test/a.png' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
    ])
    expect(body.top_k).toBe(5)
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024, display: 'omitted' })
    expect(body.metadata).toEqual({ user_id: 'u-1' })
    expect(body.seed).toBeUndefined()
    expect(sent.headers['x-api-key']).toBe('sk-ant-FEATURES')
  })

  it('refuses, before any request, what the Messages API or the model cannot do', async () => {
    const jsonObject = await unsupported(provider.chat({ model: 'claude-sonnet-4-5', messages: [question], responseFormat: { type: 'json_object' } }))
    expect(jsonObject.field).toBe('responseFormat')
    expect(jsonObject.target).toBe('anthropic/claude-sonnet-4-5')
    expect((await unsupported(provider.chat({ model: 'claude-sonnet-4-20250514', messages: [question], responseFormat: { type: 'json_schema', name: 'x', schema: {} } }))).message).toContain('structured outputs')
    expect((await unsupported(provider.chat({ model: 'claude-3-5-haiku-20241022', messages: [question], reasoning: { effort: 'low' } }))).field).toBe('reasoning')
    expect((await unsupported(provider.chat({ model: 'claude-sonnet-4-5', messages: [question], reasoning: { budgetTokens: 512 } }))).field).toBe('reasoning.budgetTokens')
    expect((await unsupported(collect(provider.stream({ model: 'claude-sonnet-4-5', messages: [question], maxTokens: 1000, reasoning: { effort: 'minimal' } })))).field).toBe('reasoning.budgetTokens')
    expect((await unsupported(provider.chat({ model: 'claude-sonnet-4-5', messages: [question], tools: [weatherTool], toolChoice: 'required', reasoning: { effort: 'low' } }))).field).toBe('toolChoice')
    expect(provider.unsupportedField({ model: 'claude-3-7-sonnet-20250219', messages: [question], reasoning: { effort: 'low' } })).toBeUndefined()
    expect(server.requests).toHaveLength(0)
  })
})

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAICompatibleProvider } from '../../src/providers/openai-compatible.js'
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js'
import type { ProviderRequest } from '../../src/providers/provider.js'
import { isUnsupportedRequestError } from '../../src/providers/unsupported-request-error.js'
import { SwitchyardError } from '../../src/errors/switchyard-error.js'
import { collect, fixture, fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
let openai: OpenAIProvider

beforeAll(async () => {
  server = await startProviderServer()
  openai = new OpenAIProvider({ apiKey: 'sk-test-FEATURES', baseURL: server.url })
})

afterAll(async () => {
  await openai.close()
  await server.close()
})

afterEach(() => {
  server.reset()
})

const citySchema = {
  type: 'object',
  properties: { city: { type: 'string' }, population: { type: 'integer' } },
  required: ['city', 'population'],
  additionalProperties: false,
}

const weatherTool = { name: 'get_weather', description: 'Current weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }

const featureRequest: ProviderRequest = {
  model: 'gpt-5-mini',
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Which city is this, and its population?' },
        { type: 'image_url', imageUrl: 'https://img.test/paris.jpg' },
        { type: 'image_url', imageUrl: 'data:image/png;base64,iVBORw0KGgo=' },
      ],
    },
  ],
  tools: [weatherTool],
  parallelToolCalls: false,
  responseFormat: { type: 'json_schema', name: 'city_facts', schema: citySchema, strict: true },
  reasoning: { effort: 'low' },
  providerOptions: { openai: { store: false, metadata: { run: 'r-1' } }, anthropic: { top_k: 5 } },
}

describe('OpenAI Chat Completions: request features', () => {
  it('sends response_format, reasoning_effort, parallel_tool_calls and both kinds of image, and reads the JSON back as text', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion-json-schema.json') })
    const result = await openai.chat(featureRequest)
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'city_facts', schema: citySchema, strict: true } })
    expect(body.reasoning_effort).toBe('low')
    expect(body.parallel_tool_calls).toBe(false)
    expect((body.messages as Record<string, unknown>[])[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Which city is this, and its population?' },
        { type: 'image_url', image_url: { url: 'https://img.test/paris.jpg' } },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ],
    })
    expect(JSON.parse(result.text)).toEqual({ city: 'Paris', population: 2102650 })
    expect(result.usage.reasoningOutputTokens).toBe(128)
  })

  it('merges providerOptions.openai into the body last, and nothing of another provider type', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion-json-schema.json') })
    await openai.chat({ ...featureRequest, providerOptions: { ...featureRequest.providerOptions, openai: { store: false, reasoning_effort: 'high', metadata: { run: 'r-1' } } } })
    const sent = server.lastRequest()
    const body = sent.json() as Record<string, unknown>
    expect(body.store).toBe(false)
    expect(body.metadata).toEqual({ run: 'r-1' })
    expect(body.reasoning_effort).toBe('high')
    expect(body.top_k).toBeUndefined()
    expect(sent.headers.authorization).toBe('Bearer sk-test-FEATURES')
  })

  it('sends json_object, and a budget as the effort that covers it', async () => {
    server.reply({ sse: fixture('openai/chat-stream.sse') })
    await collect(openai.stream({ model: 'o4-mini', messages: [{ role: 'user', content: 'JSON please' }], responseFormat: { type: 'json_object' }, reasoning: { budgetTokens: 3000 } }))
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(body.response_format).toEqual({ type: 'json_object' })
    expect(body.reasoning_effort).toBe('low')
    expect(body.stream).toBe(true)
    expect(body.parallel_tool_calls).toBeUndefined()
  })

  it('refuses reasoning for a GPT-4-generation model before any request, naming the field and the target', async () => {
    const error = await rejection(openai.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], reasoning: { effort: 'high' } }))
    if (!isUnsupportedRequestError(error)) throw new Error(`expected an UnsupportedRequestError, got ${String(error)}`)
    expect(error.code).toBe('unsupported_request')
    expect(error.field).toBe('reasoning')
    expect(error.target).toBe('openai/gpt-4o')
    expect(openai.unsupportedField({ model: 'gpt-4o', messages: [], reasoning: { effort: 'high' } })?.field).toBe('reasoning')
    expect(server.requests).toHaveLength(0)
  })

  it('refuses providerOptions that override the model or nest too deep, before any request', async () => {
    const overriding = await rejection(openai.chat({ ...featureRequest, providerOptions: { openai: { model: 'gpt-5' } } }))
    expect(SwitchyardError.isInstance(overriding) && overriding.code).toBe('request_invalid')
    expect(String(overriding)).toContain('providerOptions.openai')
    let deep: Record<string, unknown> = { leaf: 1 }
    for (let level = 0; level < 20; level += 1) deep = { nested: deep }
    const tooDeep = await rejection(collect(openai.stream({ ...featureRequest, providerOptions: { openai: deep } })))
    expect(SwitchyardError.isInstance(tooDeep) && tooDeep.code).toBe('request_invalid')
    const tooBig = await rejection(openai.chat({ ...featureRequest, providerOptions: { openai: { blob: 'x'.repeat(70_000) } } }))
    expect(String(tooBig)).toContain('bytes')
    expect(server.requests).toHaveLength(0)
  })
})

describe('OpenAI Responses: request features', () => {
  it('sends text.format, reasoning.effort, parallel_tool_calls and input images, and reads the JSON back as text', async () => {
    server.reply({ body: fixtureJson('openai/responses-json-schema.json') })
    const result = await openai.chat({ ...featureRequest, api: 'responses' })
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(server.lastRequest().url).toBe('/responses')
    expect(body.text).toEqual({ format: { type: 'json_schema', name: 'city_facts', schema: citySchema, strict: true } })
    expect(body.reasoning).toEqual({ effort: 'low' })
    expect(body.parallel_tool_calls).toBe(false)
    expect(body.store).toBe(false)
    expect((body.input as Record<string, unknown>[])[0]).toEqual({
      role: 'user',
      content: [
        { type: 'input_text', text: 'Which city is this, and its population?' },
        { type: 'input_image', image_url: 'https://img.test/paris.jpg' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
      ],
    })
    expect(JSON.parse(result.text)).toEqual({ city: 'Paris', population: 2102650 })
    expect(result.usage.reasoningOutputTokens).toBe(64)
  })

  it('refuses stop sequences, which the Responses API does not have, instead of dropping them', async () => {
    const error = await rejection(openai.chat({ model: 'gpt-5-mini', api: 'responses', messages: [{ role: 'user', content: 'count' }], stop: ['5'] }))
    expect(isUnsupportedRequestError(error) && error.field).toBe('stop')
    expect(server.requests).toHaveLength(0)
  })

  it('keeps reasoning items and sends them back before the function call, encrypted content and summary untouched', async () => {
    server.reply({ body: fixtureJson('openai/responses-reasoning-function-call.json') }, { body: fixtureJson('openai/responses-json-schema.json') })
    const request: ProviderRequest = {
      model: 'gpt-5',
      api: 'responses',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      reasoning: { effort: 'medium' },
      providerOptions: { openai: { store: false, include: ['reasoning.encrypted_content'], reasoning: { summary: 'auto' } } },
    }
    const first = await openai.chat(request)
    expect(server.lastRequest().json()).toMatchObject({ store: false, include: ['reasoning.encrypted_content'], reasoning: { effort: 'medium', summary: 'auto' } })
    const answered = fixtureJson('openai/responses-reasoning-function-call.json') as { output: Record<string, unknown>[] }
    const item = answered.output[0]!
    expect(first.reasoning).toEqual([{ type: 'openai_reasoning', id: item.id, summary: ['**Checking the weather**\n\nThe user asks for Paris weather; calling get_weather.'], encryptedContent: item.encrypted_content }])
    expect(first.text).toBe('')
    await openai.chat({
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls, reasoning: first.reasoning },
        { role: 'tool', toolCallId: 'call_Qw8Lm3Xv6Rk1Pz4Nd7Hs2Yb', content: '{"celsius":21}' },
      ],
    })
    const input = (server.lastRequest().json() as { input: unknown[] }).input
    expect(input.slice(1)).toEqual([
      { type: 'reasoning', id: item.id, summary: item.summary, encrypted_content: item.encrypted_content },
      { type: 'function_call', call_id: 'call_Qw8Lm3Xv6Rk1Pz4Nd7Hs2Yb', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_Qw8Lm3Xv6Rk1Pz4Nd7Hs2Yb', output: '{"celsius":21}' },
    ])
  })

  it('sends a reasoning item without encrypted content back by id only while responses are stored', async () => {
    server.reply({ body: fixtureJson('openai/responses-json-schema.json') }, { body: fixtureJson('openai/responses-json-schema.json') })
    const reasoning = [{ type: 'openai_reasoning' as const, id: 'rs_stored_1', summary: [] }]
    const messages: ProviderRequest['messages'] = [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', reasoning }, { role: 'user', content: 'c' }]
    await openai.chat({ model: 'gpt-5', api: 'responses', messages })
    expect((server.lastRequest().json() as { input: unknown[] }).input[1]).toEqual({ type: 'reasoning', id: 'rs_stored_1', summary: [] })
    await openai.chat({ model: 'gpt-5', api: 'responses', messages, providerOptions: { openai: { store: false } } })
    expect((server.lastRequest().json() as { input: unknown[] }).input[1]).toEqual({ role: 'assistant', content: 'b' })
  })

  it('sends json_object as text.format', async () => {
    server.reply({ body: fixtureJson('openai/responses-json-schema.json') })
    await openai.chat({ model: 'gpt-5-mini', api: 'responses', messages: [{ role: 'user', content: 'JSON' }], responseFormat: { type: 'json_object' } })
    expect((server.lastRequest().json() as Record<string, unknown>).text).toEqual({ format: { type: 'json_object' } })
  })
})

describe('OpenAI-compatible hosts: what a preset lacks is refused before the call', () => {
  it('refuses json_schema on DeepSeek but sends json_object, with providerOptions under openai-compatible only', async () => {
    const deepseek = createOpenAICompatibleProvider({ providerName: 'deepseek', preset: 'deepseek', baseURL: server.url, apiKey: 'sk-ds' })
    try {
      const error = await rejection(deepseek.chat({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], responseFormat: { type: 'json_schema', name: 'x', schema: {} } }))
      if (!isUnsupportedRequestError(error)) throw new Error(`expected an UnsupportedRequestError, got ${String(error)}`)
      expect(error.message).toContain('deepseek/deepseek-chat')
      expect(error.message).toContain('responseFormat')
      expect(server.requests).toHaveLength(0)
      server.reply({ body: fixtureJson('openai/deepseek-chat-completion.json') })
      await deepseek.chat({
        model: 'deepseek-chat',
        messages: [{ role: 'user', content: 'hi' }],
        responseFormat: { type: 'json_object' },
        providerOptions: { openai: { store: true }, 'openai-compatible': { thinking: { type: 'enabled' } } },
      })
      const body = server.lastRequest().json() as Record<string, unknown>
      expect(body.response_format).toEqual({ type: 'json_object' })
      expect(body.thinking).toEqual({ type: 'enabled' })
      expect(body.store).toBeUndefined()
    } finally {
      await deepseek.close()
    }
  })

  it('refuses an image by URL on Ollama but sends one as data', async () => {
    const ollama = createOpenAICompatibleProvider({ providerName: 'ollama', preset: 'ollama', baseURL: server.url })
    try {
      const byUrl = ollama.unsupportedField({ model: 'llava', messages: [{ role: 'user', content: [{ type: 'image_url', imageUrl: 'https://img.test/a.png' }] }] })
      expect(byUrl?.field).toBe('messages[].content (image)')
      const stream = collect(ollama.stream({ model: 'llava', messages: [{ role: 'user', content: [{ type: 'image_url', imageUrl: 'https://img.test/a.png' }] }] }))
      expect(isUnsupportedRequestError(await rejection(stream))).toBe(true)
      expect(server.requests).toHaveLength(0)
      expect(ollama.unsupportedField({ model: 'llava', messages: [{ role: 'user', content: [{ type: 'image_url', imageUrl: 'data:image/png;base64,AAAA' }] }] })).toBeUndefined()
    } finally {
      await ollama.close()
    }
  })
})

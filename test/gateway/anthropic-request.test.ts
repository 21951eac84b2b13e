import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/gateway/gateway-error.js'
import { anthropicMessagesFormat } from '../../src/gateway/anthropic/anthropic-messages-format.js'
import type { ParseContext, ParsedClientRequest, TargetFormat } from '../../src/gateway/wire-format.js'
import type { ChatResult } from '../../src/router/chat-request.js'

const anthropicOnly: ParseContext = { targetFormats: new Set<TargetFormat>(['anthropic']) }
const mixed: ParseContext = { targetFormats: new Set<TargetFormat>(['anthropic', 'openai']) }
const geminiOnly: ParseContext = { targetFormats: new Set<TargetFormat>(['gemini']) }

function body(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'fast', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }], ...extra }
}

function parse(value: unknown, context: ParseContext = anthropicOnly): ReturnType<typeof anthropicMessagesFormat.parseRequest> {
  return anthropicMessagesFormat.parseRequest(value, context)
}

/** The 400 a bad body gets: its param and message. */
function refusal(value: unknown, context: ParseContext = anthropicOnly): GatewayError {
  try {
    parse(value, context)
  } catch (error) {
    if (GatewayError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a 400')
}

describe('anthropicMessagesFormat.parseRequest', () => {
  it('reads a plain request: a route name, max_tokens, a string message', () => {
    const parsed = parse(body())
    expect(parsed).toEqual({
      chat: { route: 'fast', maxTokens: 256, messages: [{ role: 'user', content: 'Hi' }] },
      requestedModel: 'fast',
      stream: false,
      includeUsage: true,
    })
  })

  it('takes a provider/model as the model, and reads stream', () => {
    const parsed = parse(body({ model: 'anthropic/claude-sonnet-4-5', stream: true }))
    expect(parsed.chat.model).toBe('anthropic/claude-sonnet-4-5')
    expect(parsed.chat.route).toBeUndefined()
    expect(parsed.stream).toBe(true)
  })

  it('puts system (a string, or text blocks) first as system messages', () => {
    expect(parse(body({ system: 'Be brief.' })).chat.messages[0]).toEqual({ role: 'system', content: 'Be brief.' })
    const blocks = parse(body({ system: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] })).chat.messages
    expect(blocks.slice(0, 2)).toEqual([
      { role: 'system', content: 'One.' },
      { role: 'system', content: 'Two.' },
    ])
  })

  it('reads sampling, stop sequences, tools and the tool choice', () => {
    const parsed = parse(
      body({
        temperature: 0.3,
        top_p: 0.9,
        stop_sequences: ['END'],
        tools: [{ name: 'get_weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
      }),
      mixed,
    )
    expect(parsed.chat).toMatchObject({
      temperature: 0.3,
      topP: 0.9,
      stop: ['END'],
      tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      toolChoice: 'required',
      parallelToolCalls: false,
    })
    expect(parsed.chat.providerOptions).toBeUndefined()
  })

  it('maps each tool choice', () => {
    expect(parse(body({ tool_choice: { type: 'auto' } })).chat.toolChoice).toBe('auto')
    expect(parse(body({ tool_choice: { type: 'none' } })).chat.toolChoice).toBe('none')
    expect(parse(body({ tool_choice: { type: 'tool', name: 'get_weather' } })).chat.toolChoice).toEqual({ name: 'get_weather' })
    expect(parse(body({ tool_choice: { type: 'auto', disable_parallel_tool_use: false } })).chat.parallelToolCalls).toBeUndefined()
  })

  it('reads a tool loop: tool_use with thinking in the assistant turn, tool_result in the user turn', () => {
    const parsed = parse(
      body({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Call the tool.', signature: 'sig-1' },
              { type: 'redacted_thinking', data: 'opaque' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18C' }, { type: 'text', text: 'sunny' }] },
              { type: 'text', text: 'And tomorrow?' },
            ],
          },
        ],
      }),
      mixed,
    )
    expect(parsed.chat.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
        reasoning: [
          { type: 'thinking', thinking: 'Call the tool.', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'opaque' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_1', content: '18C\nsunny' },
      { role: 'user', content: 'And tomorrow?' },
    ])
  })

  it('reads images by base64 bytes (as a data URL) and by URL', () => {
    const parsed = parse(
      body({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
              { type: 'text', text: 'What are these?' },
            ],
          },
        ],
      }),
      geminiOnly,
    )
    expect(parsed.chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', imageUrl: 'data:image/png;base64,iVBORw0KGgo=' },
          { type: 'image_url', imageUrl: 'https://example.com/cat.jpg' },
          { type: 'text', text: 'What are these?' },
        ],
      },
    ])
  })

  it('reads budgeted thinking as a reasoning budget, adaptive thinking as an effort', () => {
    expect(parse(body({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } })).chat.reasoning).toEqual({ budgetTokens: 2048 })
    expect(parse(body({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } })).chat.reasoning).toEqual({ effort: 'low' })
    expect(parse(body({ thinking: { type: 'adaptive' } })).chat.reasoning).toEqual({ effort: 'high' })
    expect(parse(body({ thinking: { type: 'disabled' } })).chat.reasoning).toBeUndefined()
  })

  it('reads output_config.format as a JSON schema response format', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] }
    expect(parse(body({ output_config: { format: { type: 'json_schema', schema } } }), mixed).chat.responseFormat).toEqual({ type: 'json_schema', name: 'response', schema })
  })

  it.each([
    [{ model: 7 }, 'model'],
    [{ model: '' }, 'model'],
    [{ model: 'x'.repeat(513) }, 'model'],
    [{ max_tokens: undefined }, 'max_tokens'],
    [{ max_tokens: 0 }, 'max_tokens'],
    [{ max_tokens: 1.5 }, 'max_tokens'],
    [{ max_tokens: 1e12 }, 'max_tokens'],
    [{ messages: [] }, 'messages'],
    [{ messages: 'Hi' }, 'messages'],
    [{ messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role'],
    [{ messages: [{ role: 'user', content: 5 }] }, 'messages.0.content'],
    [{ messages: [{ role: 'user', content: [] }] }, 'messages.0.content'],
    [{ messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages.0.content.0.text'],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] }, 'messages.0.content.0.tool_use_id'],
    [{ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', is_error: 'yes' }] }] }, 'messages.1.content.0.is_error'],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'n', input: {} }] }] }, 'messages.0.content.0.type'],
    [{ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: 'x' }] }] }, 'messages.0.content.0.input'],
    [{ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: '', name: 'n', input: {} }] }] }, 'messages.0.content.0.id'],
    [{ messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x' }] }] }, 'messages.0.content.0.signature'],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA==' } }] }] }, 'messages.0.content.0.source.media_type'],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'not base64!' } }] }] }, 'messages.0.content.0.source.data'],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'file:///etc/passwd' } }] }] }, 'messages.0.content.0.source.url'],
    [{ system: 42 }, 'system'],
    [{ system: [{ type: 'image' }] }, 'system.0.type'],
    [{ temperature: 1.5 }, 'temperature'],
    [{ top_p: -0.1 }, 'top_p'],
    [{ stop_sequences: ['ok', ''] }, 'stop_sequences.1'],
    [{ stop_sequences: Array.from({ length: 65 }, (_, index) => `s${index}`) }, 'stop_sequences'],
    [{ stream: 'yes' }, 'stream'],
    [{ tools: [{ name: 'a' }] }, 'tools.0.input_schema'],
    [{ tools: [{ input_schema: {} }] }, 'tools.0.name'],
    [{ tools: Array.from({ length: 129 }, () => ({ name: 'a', input_schema: {} })) }, 'tools'],
    [{ tool_choice: { type: 'sometimes' } }, 'tool_choice.type'],
    [{ tool_choice: { type: 'tool' } }, 'tool_choice.name'],
    [{ thinking: { type: 'enabled', budget_tokens: 100 } }, 'thinking.budget_tokens'],
    [{ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 2048 } }, 'thinking.budget_tokens'],
    [{ output_config: { format: { type: 'json_object' } } }, 'output_config.format.type'],
    [{ metadata: { user_id: 9 } }, 'metadata.user_id'],
  ])('refuses a bad field with a 400 naming it: %j', (fields, param) => {
    const error = refusal(body(fields))
    expect(error.status).toBe(400)
    expect(error.code).toBe('request_invalid')
    expect(error.param).toBe(param)
    expect(error.message.startsWith(`${param}: `)).toBe(true)
  })

  it.each([
    ['messages.0.content.0.input', (deep: unknown) => ({ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { deep } }] }] })],
    ['tools.0.input_schema', (deep: unknown) => ({ tools: [{ name: 'f', input_schema: { deep } }] })],
    ['output_config.format.schema', (deep: unknown) => ({ output_config: { format: { type: 'json_schema', schema: { deep } } } })],
    ['top_k', (deep: unknown) => ({ top_k: deep })],
    ['messages.0.content.0', (deep: unknown) => ({ messages: [{ role: 'user', content: [{ type: 'document', source: deep }] }] })],
  ])('refuses JSON nested 100,000 levels deep at %s instead of overflowing the stack', (param, fields) => {
    const deep: unknown = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000))
    expect(refusal(body(fields(deep))).param).toBe(param)
  })

  it('refuses a body that is not an object', () => {
    expect(refusal([1, 2]).param).toBe('body')
    expect(refusal(null).param).toBe('body')
  })

  it('refuses more messages than it bounds, before reading them', () => {
    const many = Array.from({ length: 10_001 }, () => ({ role: 'user', content: 'x' }))
    expect(refusal(body({ messages: many })).param).toBe('messages')
  })
})

describe('fields switchyard does not model', () => {
  it('passes top-level ones untouched to targets that all speak Anthropic', () => {
    const extra = { top_k: 5, service_tier: 'auto', container: { id: 'c1' } }
    expect(parse(body(extra)).chat.providerOptions).toEqual({ anthropic: extra })
  })

  it('refuses a top-level one, by name, when a target speaks another format', () => {
    const error = refusal(body({ top_k: 5 }), mixed)
    expect(error.param).toBe('top_k')
    expect(error.message).toContain('openai')
  })

  it('sends the whole messages field untouched when a block holds an unmodelled field or type', () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A contract.' } },
          { type: 'text', text: 'Summarize it.', citations: { enabled: true } },
        ],
      },
    ]
    const parsed = parse(body({ messages }))
    expect(parsed.chat.providerOptions).toEqual({ anthropic: { messages } })
    expect(parsed.chat.messages).toEqual([{ role: 'user', content: 'Summarize it.' }])
    expect(refusal(body({ messages }), geminiOnly).param).toBe('messages.0.content.0')
  })

  it('sends server tools untouched to Anthropic and refuses them elsewhere', () => {
    const tools = [
      { name: 'get_weather', input_schema: { type: 'object' } },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ]
    const parsed = parse(body({ tools }))
    expect(parsed.chat.tools).toEqual([{ name: 'get_weather', parameters: { type: 'object' } }])
    expect(parsed.chat.providerOptions).toEqual({ anthropic: { tools } })
    expect(refusal(body({ tools }), mixed).param).toBe('tools.1')
  })

  it('refuses an effort past high, and effort without adaptive thinking, outside Anthropic', () => {
    expect(parse(body({ output_config: { effort: 'max' } })).chat.providerOptions).toEqual({ anthropic: { output_config: { effort: 'max' } } })
    expect(refusal(body({ output_config: { effort: 'medium' } }), mixed).param).toBe('output_config.effort')
    expect(refusal(body({ thinking: { type: 'adaptive', display: 'omitted' } }), mixed).param).toBe('thinking.display')
  })

  it('keeps cache_control and metadata.user_id for Anthropic, and does not refuse them elsewhere', () => {
    const system = [{ type: 'text', text: 'Long prompt.', cache_control: { type: 'ephemeral' } }]
    const fields = { system, metadata: { user_id: 'user-7f3a' }, cache_control: { type: 'ephemeral' } }
    expect(parse(body(fields)).chat.providerOptions).toEqual({ anthropic: fields })
    // A route with an OpenAI target too: its Anthropic target still gets them (OpenAI reads only its own options).
    const mixedRoute = parse(body(fields), mixed)
    expect(mixedRoute.chat.providerOptions).toEqual({ anthropic: fields })
    expect(mixedRoute.chat.messages[0]).toEqual({ role: 'system', content: 'Long prompt.' })
    expect(parse(body(fields), geminiOnly).chat.providerOptions).toBeUndefined()
  })

  it('keeps is_error for Anthropic and says it in the text elsewhere', () => {
    const messages = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'city is required', is_error: true }] },
    ]
    expect(parse(body({ messages })).chat.providerOptions).toEqual({ anthropic: { messages } })
    const elsewhere = parse(body({ messages }), geminiOnly)
    expect(elsewhere.chat.providerOptions).toBeUndefined()
    expect(elsewhere.chat.messages[2]).toEqual({ role: 'tool', toolCallId: 'toolu_1', content: 'Error: city is required' })
  })

  it('sends a field too big to pass through without its cache hints, and keeps the hints of those that fit', () => {
    const system = [{ type: 'text', text: 'Rules.', cache_control: { type: 'ephemeral' } }]
    const long = 'x'.repeat(70 * 1024)
    const messages = [{ role: 'user', content: [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }] }]
    const parsed = parse(body({ system, messages }))
    expect(parsed.chat.providerOptions).toEqual({ anthropic: { system } })
    expect(parsed.chat.messages[1]).toEqual({ role: 'user', content: long })
  })

  it('skips a field nested deeper than pass-through allows when all it holds are cache hints', () => {
    let input: Record<string, unknown> = { leaf: true }
    for (let level = 0; level < 16; level += 1) input = { next: input }
    const messages = [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok', cache_control: { type: 'ephemeral' } }] },
    ]
    expect(parse(body({ messages })).chat.providerOptions).toBeUndefined()
  })

  it('refuses an unmodelled field whose holder is too big to pass through, naming the field', () => {
    const messages = [
      { role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'y'.repeat(70 * 1024) } }, { type: 'text', text: 'Summarize.' }] },
    ]
    const error = refusal(body({ messages }))
    expect(error.param).toBe('messages.0.content.0')
    expect(error.message).toContain('65536 bytes')
  })

  it('treats a simulated target as one that reads Anthropic fields', () => {
    expect(parse(body({ top_k: 3 }), { targetFormats: new Set<TargetFormat>(['anthropic', 'simulated']) }).chat.providerOptions).toEqual({ anthropic: { top_k: 3 } })
  })

  it('never lets a pass-through field replace a modelled one', () => {
    const parsed = parse(body({ top_k: 3 }))
    expect(Object.keys(parsed.chat.providerOptions?.anthropic ?? {})).toEqual(['top_k'])
  })
})

describe('state another provider wants back, carried through the client', () => {
  const asked: ParsedClientRequest = { chat: { route: 'fast', messages: [] }, requestedModel: 'fast', stream: false, includeUsage: true }
  const geminiAnswer: ChatResult = {
    text: '',
    message: {
      role: 'assistant',
      content: '',
      thoughtSignature: 'text-sig',
      toolCalls: [{ id: 'fc_1', name: 'get_weather', arguments: '{"city":"Paris"}', thoughtSignature: 'call-sig', providerIssuedId: true }],
      reasoning: [{ type: 'openai_reasoning', id: 'rs_1', summary: ['Thought.'], encryptedContent: 'enc' }],
    },
    toolCalls: [{ id: 'fc_1', name: 'get_weather', arguments: '{"city":"Paris"}', thoughtSignature: 'call-sig', providerIssuedId: true }],
    finishReason: 'tool_calls',
    id: 'resp-1',
    usage: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheWriteInputTokens: 0, cacheWrite1hInputTokens: 0, reasoningOutputTokens: 0 },
    costUsd: '0',
    costSource: 'catalog',
    provider: 'gem',
    model: 'gemini-3-pro',
    route: 'fast',
    attempts: [],
  }

  function answeredContent(): unknown[] {
    return (anthropicMessagesFormat.encodeResult(geminiAnswer, asked) as { content: unknown[] }).content
  }

  it('comes back onto the tool calls, the text and the reasoning, and never reaches a provider as a block', () => {
    const parsed = parse(body({ messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: answeredContent() }] }), geminiOnly)
    expect(parsed.chat.messages[1]).toEqual({
      role: 'assistant',
      content: '',
      thoughtSignature: 'text-sig',
      toolCalls: [{ id: 'fc_1', name: 'get_weather', arguments: '{"city":"Paris"}', thoughtSignature: 'call-sig', providerIssuedId: true }],
      reasoning: [{ type: 'openai_reasoning', id: 'rs_1', summary: ['Thought.'], encryptedContent: 'enc' }],
    })
  })

  it('is taken out of messages sent untouched to an Anthropic target', () => {
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'Weather?', cache_control: { type: 'ephemeral' } }] },
      { role: 'assistant', content: answeredContent() },
    ]
    const untouched = parse(body({ messages })).chat.providerOptions?.anthropic?.messages as { content: { type: string }[] }[]
    expect(untouched[1]?.content.map((block) => block.type)).toEqual(['tool_use'])
    expect(untouched[0]).toBe(messages[0])
  })

  it('refuses a forged block with a 400 naming it', () => {
    const forged = { type: 'redacted_thinking', data: 'switchyard-state-v1:bm90IGpzb24' }
    const error = refusal(body({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [forged] }] }))
    expect(error.param).toBe('messages.1.content.0.data')
  })
})

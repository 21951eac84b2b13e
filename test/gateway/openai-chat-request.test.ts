import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/gateway/gateway-error.js'
import { parseOpenAIChatRequest } from '../../src/gateway/openai/openai-chat-request.js'
import type { TargetFormat } from '../../src/gateway/wire-format.js'

const openaiTargets = { targetFormats: new Set<TargetFormat>(['openai-compatible']) }
const geminiTargets = { targetFormats: new Set<TargetFormat>(['gemini']) }

describe('reading an OpenAI Chat Completions body', () => {
  it('reads every modelled field into the router\'s words', () => {
    const parsed = parseOpenAIChatRequest({
      model: 'smart',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be ' }, { type: 'text', text: 'brief.' }] },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      ],
      max_completion_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      tools: [{ type: 'function', function: { name: 'look', description: 'Look closer', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'look' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
      stream: true,
      stream_options: { include_usage: true },
    }, geminiTargets)
    expect(parsed).toMatchObject({ requestedModel: 'smart', stream: true, includeUsage: true })
    expect(parsed.chat).toEqual({
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', imageUrl: 'data:image/png;base64,AAAA' }] },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'look', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'a cat' },
      ],
      maxTokens: 64,
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
      tools: [{ name: 'look', description: 'Look closer', parameters: { type: 'object' } }],
      toolChoice: { name: 'look' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      reasoning: { effort: 'low' },
    })
  })

  it('passes fields it does not model to OpenAI-compatible targets, under both OpenAI provider types', () => {
    const parsed = parseOpenAIChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], seed: 3, logit_bias: { 50256: -100 } }, openaiTargets)
    expect(parsed.chat.providerOptions).toEqual({ openai: { seed: 3, logit_bias: { 50256: -100 } }, 'openai-compatible': { seed: 3, logit_bias: { 50256: -100 } } })
  })

  it('treats null as absent, as the SDKs send it for a field not given', () => {
    const parsed = parseOpenAIChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: null, seed: null, tools: null }, geminiTargets)
    expect(parsed.chat).toEqual({ messages: [{ role: 'user', content: 'hi' }] })
  })

  it.each([
    [{ messages: [{ role: 'user', content: 'hi' }] }, 'model'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi', surprise: 1 }] }, 'messages.0.surprise'],
    [{ model: 'm', messages: [{ role: 'assistant' }] }, 'messages.0.content'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi', tool_calls: [] }] }, 'messages.0.tool_calls'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.tool_call_id'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'extreme' }, 'reasoning_effort'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'has space', schema: {} } } }, 'response_format.json_schema.name'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], seed: 1 }, 'seed'],
  ])('refuses %j naming %s', (body, param) => {
    let caught: unknown
    try {
      parseOpenAIChatRequest(body, geminiTargets)
    } catch (error) {
      caught = error
    }
    expect(GatewayError.isInstance(caught)).toBe(true)
    expect((caught as GatewayError).status).toBe(400)
    expect((caught as GatewayError).param).toBe(param)
  })
})

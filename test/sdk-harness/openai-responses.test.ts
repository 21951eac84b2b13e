import OpenAI from 'openai'
import type { Response, ResponseCreateParamsNonStreaming, ResponseInputItem } from 'openai/resources/responses/responses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/model-call/chat-message.js'
import type { FinishReason } from '../../src/model-call/finish-reason.js'
import type { Router } from '../../src/router/create-router.js'
import type { ChatRequest, ChatResult } from '../../src/router/chat-request.js'
import * as fixtures from '../fixtures/sdk-harness/openai-responses.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import * as conversation from './conversation.js'
import { maxTokens, openingMessages, systemPrompt, temperature, toolResultFor, tools, userQuestion } from './conversation.js'
import { apiKey, harnessRouter, models, parsedOfSwitchyard, routedCall, usageOf, wireOf, type Parsed, type Wire } from './harness.js'

/*
 * OpenAI Responses API: the official `openai` client (v6) and switchyard's router
 * (`api: 'responses'`), both pointed at one loopback server, send the same conversation
 * and read the same recorded answers; what each put on the wire and what each parsed
 * must agree.
 */

let server: ProviderServer
let router: Router
let client: OpenAI

beforeAll(async () => {
  server = await startProviderServer()
  router = harnessRouter(server.url)
  client = new OpenAI({ apiKey, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 5_000 })
})
afterAll(async () => {
  await router.close()
  await server.close()
})

// The SDK's FunctionTool type requires `strict`; null leaves the server's default, as switchyard's omitted field does.
const sdkTools = tools.map((tool) => ({ type: 'function' as const, name: tool.name, description: tool.description, parameters: tool.parameters, strict: null }))

/**
 * The wire with what differs on purpose taken out, each with its reason:
 * - a tool's `strict: null` (required by the SDK's type) means the same as switchyard's absent field;
 * - the SDK's user echoes `function_call` output items as they came, with their item `id`
 *   and `status`; switchyard keeps no item ids (they name items the server stored, and a
 *   `function_call` input item is complete without them), so it sends neither;
 * - the SDK's stream helper adds `parsed_arguments` (its own parse, not an API field) to the
 *   items it returns, so an echo of them carries it; switchyard sends only API fields;
 * - an `input_image` part's `detail` is required by the SDK's type; `auto` is the API's
 *   default, which switchyard leaves unsaid.
 */
function normalized(wire: Wire): Wire {
  const body = structuredClone(wire.body)
  if (Array.isArray(body.tools)) for (const tool of body.tools as Record<string, unknown>[]) if (tool.strict === null) delete tool.strict
  if (Array.isArray(body.input)) {
    for (const item of body.input as Record<string, unknown>[]) {
      if (Array.isArray(item.content)) for (const part of item.content as Record<string, unknown>[]) if (part.type === 'input_image' && part.detail === 'auto') delete part.detail
      if (item.type !== 'function_call') continue
      delete item.id
      delete item.status
      delete item.parsed_arguments
    }
  }
  return { ...wire, body }
}

/** The SDK's answer in the harness's shape; usage by the OpenAI convention, finish reason as switchyard names the Responses outcome. */
function parsedOfSdk(response: Response): Parsed {
  const calls = response.output.flatMap((item) => (item.type === 'function_call' ? [item] : []))
  const usage = response.usage
  const finishReason: FinishReason = calls.length > 0
    ? 'tool_calls'
    : response.status === 'completed' ? 'stop' : response.incomplete_details?.reason === 'max_output_tokens' ? 'length' : 'other'
  return {
    text: response.output_text,
    toolCalls: calls.map((call) => ({ id: call.call_id, name: call.name, arguments: JSON.parse(call.arguments) as unknown })),
    usage: usageOf({
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      cacheReadInputTokens: usage?.input_tokens_details.cached_tokens ?? 0,
      cacheWriteInputTokens: usage?.input_tokens_details.cache_write_tokens ?? 0,
      reasoningOutputTokens: usage?.output_tokens_details.reasoning_tokens ?? 0,
    }),
    finishReason,
  }
}

interface Side {
  wire: Wire
  parsed: Parsed
}

async function sdkCall(params: ResponseCreateParamsNonStreaming, answer: unknown, streamed: boolean): Promise<Side & { response: Response }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const response = streamed ? await client.responses.stream({ ...params, stream: true }).finalResponse() : await client.responses.create(params)
  return { wire: wireOf(server.lastRequest()), parsed: parsedOfSdk(response), response }
}

async function switchyardCall(request: ChatRequest, answer: unknown, streamed: boolean): Promise<Side & { result: ChatResult }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const result = await routedCall(router, request, streamed)
  return { wire: wireOf(server.lastRequest()), parsed: parsedOfSwitchyard(result), result }
}

/** What a case adds to the plain conversation, on each side. */
interface CaseOptions {
  sdkParams?: Partial<ResponseCreateParamsNonStreaming>
  request?: Partial<ChatRequest>
  /** Replaces the user's question (same meaning on both sides). */
  user?: { sdk: ResponseInputItem; switchyard: ChatMessage }
}

async function compareConversation(answers: unknown[], streamed: boolean, options: CaseOptions = {}): Promise<Parsed[]> {
  const input: ResponseInputItem[] = [
    { role: 'system', content: systemPrompt },
    options.user?.sdk ?? { role: 'user', content: userQuestion },
  ]
  const messages = openingMessages()
  if (options.user !== undefined) messages[1] = options.user.switchyard
  const parsedTurns: Parsed[] = []
  for (const answer of answers) {
    const params = { model: models.openai, input: structuredClone(input), tools: sdkTools, max_output_tokens: maxTokens, temperature, ...options.sdkParams }
    const sdk = await sdkCall(params, answer, streamed)
    const switchyard = await switchyardCall({ route: 'openai', api: 'responses', messages: structuredClone(messages), tools, maxTokens, temperature, ...options.request }, answer, streamed)
    expect(normalized(switchyard.wire), 'switchyard and the SDK put the same request on the wire').toEqual(normalized(sdk.wire))
    expect(switchyard.parsed, 'switchyard and the SDK read the same answer').toEqual(sdk.parsed)
    parsedTurns.push(sdk.parsed)
    // The SDK's documented loop sends the answer's output back: its reasoning items first, the text, then the function calls.
    for (const item of sdk.response.output) if (item.type === 'reasoning') input.push(item)
    if (sdk.parsed.text !== '') input.push({ role: 'assistant', content: sdk.parsed.text })
    for (const item of sdk.response.output) if (item.type === 'function_call') input.push(item)
    const calls = switchyard.parsed.toolCalls
    // The router's message keeps the answer's reasoning items, to be sent back before its calls.
    messages.push({ ...switchyard.result.message })
    for (const call of calls) {
      input.push({ type: 'function_call_output', call_id: call.id, output: toolResultFor(call.name) })
      messages.push({ role: 'tool', toolCallId: call.id, content: toolResultFor(call.name) })
    }
  }
  return parsedTurns
}

describe.each([false, true])('OpenAI Responses against the openai SDK (streamed: %s)', (streamed) => {
  it('sends and reads a three-turn tool loop with two tools like the SDK', async () => {
    const turns = await compareConversation(streamed ? fixtures.toolLoopStreams : fixtures.toolLoopAnswers, streamed)
    expect(turns.map((turn) => turn.toolCalls.map((call) => call.name))).toEqual([['get_weather'], ['get_local_time'], []])
    expect(turns[2]).toMatchObject({ text: 'Yes: 21 °C and clear in Lisbon, where it is 18:42.', finishReason: 'stop' })
    expect(turns[0]?.usage.reasoningOutputTokens).toBe(64)
    expect(turns[2]?.usage.cacheReadInputTokens).toBe(128)
    const sent = wireOf(server.lastRequest())
    expect(sent.path).toBe('/v1/responses')
    const sentItems = (sent.body.input as { type?: string; id?: string }[]).map((item) => item.type ?? 'message')
    expect(sentItems, 'each answer\'s reasoning item goes back before its function call').toEqual(['message', 'message', 'reasoning', 'function_call', 'function_call_output', 'reasoning', 'function_call', 'function_call_output'])
    expect(sent.headers.authorization).toBe(`Bearer ${apiKey}`)
  })

  it('reads prompt-cache writes and reads like the SDK', async () => {
    const turns = await compareConversation(streamed ? fixtures.cachingStreams : fixtures.cachingAnswers, streamed)
    expect(turns.map((turn) => [turn.usage.inputTokens, turn.usage.cacheWriteInputTokens, turn.usage.cacheReadInputTokens])).toEqual([[2_048, 1_920, 0], [2_060, 0, 1_920]])
  })

  it('asks for structured output (text.format json_schema, strict) and reads the JSON text like the SDK', async () => {
    const { name, schema } = conversation.weatherReport
    const [turn] = await compareConversation(streamed ? fixtures.structuredStreams : fixtures.structuredAnswers, streamed, {
      sdkParams: { tools: undefined, text: { format: { type: 'json_schema', name, schema, strict: true } } },
      request: { tools: undefined, responseFormat: { type: 'json_schema', name, schema, strict: true } },
      user: { sdk: { role: 'user', content: conversation.structuredQuestion }, switchyard: { role: 'user', content: conversation.structuredQuestion } },
    })
    expect(JSON.parse(turn?.text ?? '')).toEqual(JSON.parse(conversation.structuredText))
  })

  it('asks for a JSON object (text.format json_object) like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.structuredStreams : fixtures.structuredAnswers, streamed, {
      sdkParams: { tools: undefined, text: { format: { type: 'json_object' } } },
      request: { tools: undefined, responseFormat: { type: 'json_object' } },
      user: { sdk: { role: 'user', content: conversation.structuredQuestion }, switchyard: { role: 'user', content: conversation.structuredQuestion } },
    })
    expect(JSON.parse(turn?.text ?? '')).toEqual(JSON.parse(conversation.structuredText))
  })

  it('asks for a reasoning effort and reads reasoning tokens like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.reasoningStreams : fixtures.reasoningAnswers, streamed, {
      sdkParams: { tools: undefined, temperature: undefined, reasoning: { effort: 'high' } },
      request: { tools: undefined, temperature: undefined, reasoning: { effort: 'high' } },
      user: { sdk: { role: 'user', content: conversation.reasoningQuestion }, switchyard: { role: 'user', content: conversation.reasoningQuestion } },
    })
    expect(turn?.usage).toMatchObject({ outputTokens: 420, reasoningOutputTokens: 384 })
  })

  it('sends images by URL and by bytes, with parallel tool calls off, like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.imageStreams : fixtures.imageAnswers, streamed, {
      sdkParams: { parallel_tool_calls: false },
      request: { parallelToolCalls: false },
      user: {
        sdk: { role: 'user', content: [{ type: 'input_text', text: conversation.imageQuestion }, { type: 'input_image', image_url: conversation.imageUrl, detail: 'auto' }, { type: 'input_image', image_url: conversation.imageDataUrl, detail: 'auto' }] },
        switchyard: { role: 'user', content: [{ type: 'text', text: conversation.imageQuestion }, { type: 'image_url', imageUrl: conversation.imageUrl }, { type: 'image_url', imageUrl: conversation.imageDataUrl }] },
      },
    })
    expect(turn?.text).toBe(conversation.imageText)
    expect(wireOf(server.lastRequest()).body.parallel_tool_calls).toBe(false)
  })

  it('runs a stateless tool loop (store: false) sending the encrypted reasoning item back whole, like the SDK', async () => {
    const include = ['reasoning.encrypted_content' as const]
    const turns = await compareConversation(streamed ? fixtures.statelessStreams : fixtures.statelessAnswers, streamed, {
      sdkParams: { store: false, include },
      request: { providerOptions: { openai: { store: false, include } } },
    })
    expect(turns.map((turn) => turn.finishReason)).toEqual(['tool_calls', 'stop'])
    const resent = (wireOf(server.lastRequest()).body.input as Record<string, unknown>[]).find((item) => item.type === 'reasoning')
    expect(resent).toEqual({
      type: 'reasoning',
      id: 'rs_68b9stateless',
      summary: [{ type: 'summary_text', text: 'Need the Lisbon weather before answering.' }],
      encrypted_content: 'gAAAAABoStatelessReasoningLisbon0123456789==',
    })
  })

  it('reads an answer cut at max_output_tokens (status incomplete) as length, like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.truncatedStreams : fixtures.truncatedAnswers, streamed)
    expect(turn).toMatchObject({ finishReason: 'length', text: 'Take the 18:55 tram 28; it' })
  })
})

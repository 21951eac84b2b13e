import Anthropic from '@anthropic-ai/sdk'
import type { Message, MessageCreateParamsNonStreaming, MessageParam } from '@anthropic-ai/sdk/resources/messages/messages'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/model-call/chat-message.js'
import type { FinishReason } from '../../src/model-call/finish-reason.js'
import type { Router } from '../../src/router/create-router.js'
import type { ChatRequest, ChatResult } from '../../src/router/chat-request.js'
import * as fixtures from '../fixtures/sdk-harness/anthropic.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import * as conversation from './conversation.js'
import { maxTokens, openingMessages, systemPrompt, toolResultFor, tools, userQuestion } from './conversation.js'
import { apiKey, harnessRouter, models, parsedOfSwitchyard, routedCall, usageOf, wireOf, type Parsed, type Wire } from './harness.js'

/*
 * Anthropic Messages: the official `@anthropic-ai/sdk` client and switchyard's router,
 * both pointed at one loopback server, send the same conversation and read the same
 * recorded answers; what each put on the wire and what each parsed must agree.
 */

let server: ProviderServer
let router: Router
let client: Anthropic

beforeAll(async () => {
  server = await startProviderServer()
  router = harnessRouter(server.url)
  client = new Anthropic({ apiKey, baseURL: server.url, maxRetries: 0, timeout: 5_000 })
})
afterAll(async () => {
  await router.close()
  await server.close()
})

const sdkTools = tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters as { type: 'object' } }))

/** The API version header each side sends: see the anthropic-version test below. */
const sdkVersion = '2026-10-21'
const switchyardVersion = '2023-06-01'

/**
 * The wire with what differs on purpose taken out, each with its reason:
 * - `anthropic-version` and the header that carries the key: switchyard sends its pinned
 *   version and the key in `x-api-key`, the SDK its release's version and the key as a
 *   Bearer token (both checked by their own test below); here only the key itself must match;
 * - the SDK's user echoes the answer's content blocks as they came, with the response-only
 *   `citations: null` of a text block and `caller: { type: 'direct' }` of a tool_use block
 *   (both the API's defaults: no citations, a call made by the model itself); switchyard
 *   rebuilds the blocks from its message and sends neither;
 * - a turn that is one text block is sent by switchyard as a plain string, which the API
 *   reads as that same block.
 */
function normalized(wire: Wire): Wire {
  const body = structuredClone(wire.body)
  for (const turn of (body.messages ?? []) as Record<string, unknown>[]) {
    if (!Array.isArray(turn.content)) continue
    for (const block of turn.content as Record<string, unknown>[]) {
      if (block.type === 'text' && block.citations === null) delete block.citations
      if (block.type === 'tool_use' && (block.caller as { type?: string } | undefined)?.type === 'direct') delete block.caller
    }
    const [only] = turn.content as Record<string, unknown>[]
    if (turn.content.length === 1 && only?.type === 'text' && Object.keys(only).length === 2) turn.content = only.text
  }
  const { 'anthropic-version': version, 'x-api-key': keyHeader, authorization, ...headers } = wire.headers
  void version
  const key = keyHeader ?? authorization?.replace(/^Bearer /, '')
  return { ...wire, headers: { ...headers, key: key ?? '' }, body }
}

/** The stop reasons of the Messages API, in switchyard's words. */
const finishReasons: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool_calls', max_tokens: 'length', refusal: 'content_filter' }

/** The SDK's answer in the harness's shape; usage by the GenAI convention (Anthropic's input_tokens exclude cache reads and writes, so they are added). */
function parsedOfSdk(message: Message): Parsed {
  const usage = message.usage
  const cacheRead = usage.cache_read_input_tokens ?? 0
  const cacheWrite = usage.cache_creation_input_tokens ?? 0
  return {
    text: message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(''),
    toolCalls: message.content.flatMap((block) => (block.type === 'tool_use' ? [{ id: block.id, name: block.name, arguments: block.input }] : [])),
    usage: usageOf({
      inputTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite,
      outputTokens: usage.output_tokens,
      cacheReadInputTokens: cacheRead,
      cacheWriteInputTokens: cacheWrite,
      cacheWrite1hInputTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
      reasoningOutputTokens: usage.output_tokens_details?.thinking_tokens ?? 0,
    }),
    finishReason: finishReasons[message.stop_reason ?? ''] ?? 'other',
  }
}

interface Side {
  wire: Wire
  parsed: Parsed
}

async function sdkCall(params: MessageCreateParamsNonStreaming, answer: unknown, streamed: boolean): Promise<Side & { message: Message }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const message = streamed ? await client.messages.stream(params).finalMessage() : await client.messages.create(params)
  return { wire: wireOf(server.lastRequest()), parsed: parsedOfSdk(message), message }
}

async function switchyardCall(request: ChatRequest, answer: unknown, streamed: boolean): Promise<Side & { result: ChatResult }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const result = await routedCall(router, request, streamed)
  return { wire: wireOf(server.lastRequest()), parsed: parsedOfSwitchyard(result), result }
}

/** What a case adds to the plain conversation, on each side. */
interface CaseOptions {
  sdkParams?: Partial<MessageCreateParamsNonStreaming>
  request?: Partial<ChatRequest>
  /** Replaces the user's question (same meaning on both sides). */
  user?: { sdk: MessageParam; switchyard: ChatMessage }
}

async function compareConversation(answers: unknown[], streamed: boolean, options: CaseOptions = {}): Promise<{ turns: Parsed[]; wires: { sdk: Wire; switchyard: Wire }[] }> {
  const sdkMessages: MessageParam[] = [options.user?.sdk ?? { role: 'user', content: userQuestion }]
  const messages = openingMessages()
  if (options.user !== undefined) messages[1] = options.user.switchyard
  const turns: Parsed[] = []
  const wires: { sdk: Wire; switchyard: Wire }[] = []
  for (const answer of answers) {
    // No temperature on either side: @anthropic-ai/sdk 1.14's request type has no sampling fields at all.
    const params = { model: models.anthropic, max_tokens: maxTokens, system: systemPrompt, messages: structuredClone(sdkMessages), tools: sdkTools, ...options.sdkParams }
    const sdk = await sdkCall(params, answer, streamed)
    const switchyard = await switchyardCall({ route: 'anthropic', messages: structuredClone(messages), tools, maxTokens, ...options.request }, answer, streamed)
    expect(normalized(switchyard.wire), 'switchyard and the SDK put the same request on the wire').toEqual(normalized(sdk.wire))
    expect(switchyard.parsed, 'switchyard and the SDK read the same answer').toEqual(sdk.parsed)
    turns.push(sdk.parsed)
    wires.push({ sdk: sdk.wire, switchyard: switchyard.wire })
    // The SDK's documented tool loop: the answer's content goes back as the assistant turn, the results as one user turn.
    sdkMessages.push({ role: 'assistant', content: sdk.message.content })
    const calls = switchyard.parsed.toolCalls
    // The router's message keeps the answer's thinking blocks, to be sent back untouched.
    messages.push({ ...switchyard.result.message })
    if (calls.length > 0) sdkMessages.push({ role: 'user', content: calls.map((call) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: toolResultFor(call.name) })) })
    for (const call of calls) messages.push({ role: 'tool', toolCallId: call.id, content: toolResultFor(call.name) })
  }
  return { turns, wires }
}

describe.each([false, true])('Anthropic Messages against @anthropic-ai/sdk (streamed: %s)', (streamed) => {
  it('sends and reads a three-turn tool loop with two tools like the SDK', async () => {
    const { turns, wires } = await compareConversation(streamed ? fixtures.toolLoopStreams : fixtures.toolLoopAnswers, streamed)
    expect(turns.map((turn) => turn.toolCalls.map((call) => call.name))).toEqual([['get_weather'], ['get_local_time'], []])
    expect(turns[2]).toMatchObject({ text: 'Yes: 21 °C and clear in Lisbon, where it is 18:42.', finishReason: 'stop' })
    expect(turns[2]?.usage).toMatchObject({ inputTokens: 800, cacheReadInputTokens: 704 })
    const last = wires.at(-1)
    expect(last?.switchyard.path).toBe('/v1/messages')
  })

  it('asks for caching (top-level cache_control through providerOptions) and reads cache writes (5-minute and 1-hour) and reads like the SDK', async () => {
    const cacheControl = { type: 'ephemeral' as const, ttl: '1h' as const }
    const { turns } = await compareConversation(streamed ? fixtures.cachingStreams : fixtures.cachingAnswers, streamed, {
      sdkParams: { cache_control: cacheControl },
      request: { providerOptions: { anthropic: { cache_control: cacheControl } } },
    })
    expect(turns.map((turn) => [turn.usage.cacheWriteInputTokens, turn.usage.cacheWrite1hInputTokens, turn.usage.cacheReadInputTokens])).toEqual([[2_048, 1_792, 0], [0, 0, 2_048]])
  })

  it('sends the key in x-api-key and its pinned anthropic-version, where the SDK sends a Bearer token and its release\'s version', async () => {
    const { wires } = await compareConversation([(streamed ? fixtures.cachingStreams : fixtures.cachingAnswers)[0]], streamed)
    const [first] = wires
    // A known difference, not a choice recorded anywhere in switchyard: @anthropic-ai/sdk 1.14
    // sends `Authorization: Bearer <key>` and the version its release was generated against;
    // switchyard sends the long-documented `x-api-key` and 2023-06-01 unless `anthropicVersion`
    // is configured. Both are accepted ways of calling the Messages API; this test pins
    // them so a change on either side is seen.
    expect(first?.sdk.headers).toMatchObject({ authorization: `Bearer ${apiKey}`, 'anthropic-version': sdkVersion })
    expect(first?.sdk.headers['x-api-key']).toBeUndefined()
    expect(first?.switchyard.headers).toMatchObject({ 'x-api-key': apiKey, 'anthropic-version': switchyardVersion })
    expect(first?.switchyard.headers.authorization).toBeUndefined()
  })

  it('asks for structured output (output_config json_schema) and reads the JSON text like the SDK', async () => {
    const { schema } = conversation.weatherReport
    const { turns } = await compareConversation(streamed ? fixtures.structuredStreams : fixtures.structuredAnswers, streamed, {
      sdkParams: { tools: undefined, output_config: { format: { type: 'json_schema', schema } } },
      request: { tools: undefined, responseFormat: { type: 'json_schema', ...conversation.weatherReport } },
      user: { sdk: { role: 'user', content: conversation.structuredQuestion }, switchyard: { role: 'user', content: conversation.structuredQuestion } },
    })
    expect(JSON.parse(turns[0]?.text ?? '')).toEqual(JSON.parse(conversation.structuredText))
  })

  it('thinks with a budget in a tool loop, reads thinking tokens and sends the signed and the redacted thinking blocks back like the SDK', async () => {
    const { turns, wires } = await compareConversation(streamed ? fixtures.thinkingStreams : fixtures.thinkingAnswers, streamed, {
      sdkParams: { max_tokens: 4_096, thinking: { type: 'enabled', budget_tokens: 2_048 } },
      request: { maxTokens: 4_096, reasoning: { budgetTokens: 2_048 } },
    })
    expect(turns[0]?.usage.reasoningOutputTokens).toBe(180)
    const echoed = (wires[1]?.switchyard.body.messages as { role: string; content: { type: string }[] }[])[1]
    expect(echoed?.content.map((block) => block.type)).toEqual(['thinking', 'redacted_thinking', 'tool_use'])
    expect(echoed?.content[0]).toEqual({ type: 'thinking', thinking: 'The user wants the weather first; I should call get_weather for Lisbon.', signature: 'EqQBCkgIARABGAIiQL2thinkingSignatureLisbon0==' })
  })

  it('sends images by URL and by bytes, with parallel tool use off, like the SDK', async () => {
    const { turns } = await compareConversation(streamed ? fixtures.imageStreams : fixtures.imageAnswers, streamed, {
      sdkParams: { tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
      request: { parallelToolCalls: false },
      user: {
        sdk: { role: 'user', content: [{ type: 'text', text: conversation.imageQuestion }, { type: 'image', source: { type: 'url', url: conversation.imageUrl } }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: conversation.imageBase64 } }] },
        switchyard: { role: 'user', content: [{ type: 'text', text: conversation.imageQuestion }, { type: 'image_url', imageUrl: conversation.imageUrl }, { type: 'image_url', imageUrl: conversation.imageDataUrl }] },
      },
    })
    expect(turns[0]?.text).toBe(conversation.imageText)
  })

  it('answers two parallel tool_use blocks with both tool_result blocks in one user turn, like the SDK', async () => {
    const { turns, wires } = await compareConversation(streamed ? fixtures.parallelStreams : fixtures.parallelAnswers, streamed)
    expect(turns[0]?.toolCalls.map((call) => call.id)).toEqual(['toolu_01ParallelWeather', 'toolu_01ParallelTime'])
    const sent = wires[1]?.switchyard.body.messages as { role: string; content: { type: string; tool_use_id?: string }[] }[]
    expect(sent.at(-1)?.content.map((block) => block.tool_use_id)).toEqual(['toolu_01ParallelWeather', 'toolu_01ParallelTime'])
  })

  it('reads an answer cut at max_tokens as length, like the SDK', async () => {
    const { turns } = await compareConversation(streamed ? fixtures.truncatedStreams : fixtures.truncatedAnswers, streamed)
    expect(turns[0]).toMatchObject({ finishReason: 'length', text: 'Take the 18:55 tram 28; it' })
  })

  it('keeps message_start\'s input and cache counts when message_delta carries output tokens only (the SDK\'s own recording), like the SDK', async () => {
    const { turns } = await compareConversation(streamed ? fixtures.cachingStreamsDeltaOutputOnly : fixtures.cachingAnswers, streamed)
    expect(turns.map((turn) => [turn.usage.inputTokens, turn.usage.cacheWriteInputTokens, turn.usage.cacheReadInputTokens])).toEqual([[2_060, 2_048, 0], [2_068, 0, 2_048]])
  })
})

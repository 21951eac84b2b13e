import OpenAI from 'openai'
import type { Response, ResponseCreateParamsNonStreaming, ResponseInputItem } from 'openai/resources/responses/responses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/model-call/chat-message.js'
import type { FinishReason } from '../../src/model-call/finish-reason.js'
import type { Router } from '../../src/router/create-router.js'
import { cachingAnswers, cachingStreams, toolLoopAnswers, toolLoopStreams } from '../fixtures/sdk-harness/openai-responses.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
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
 *   items it returns, so an echo of them carries it; switchyard sends only API fields.
 */
function normalized(wire: Wire): Wire {
  const body = structuredClone(wire.body)
  if (Array.isArray(body.tools)) for (const tool of body.tools as Record<string, unknown>[]) if (tool.strict === null) delete tool.strict
  if (Array.isArray(body.input)) {
    for (const item of body.input as Record<string, unknown>[]) {
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

async function switchyardCall(messages: ChatMessage[], answer: unknown, streamed: boolean): Promise<Side> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const result = await routedCall(router, { route: 'openai', api: 'responses', messages, tools, maxTokens, temperature }, streamed)
  return { wire: wireOf(server.lastRequest()), parsed: parsedOfSwitchyard(result) }
}

async function compareConversation(answers: unknown[], streamed: boolean): Promise<Parsed[]> {
  const input: ResponseInputItem[] = [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: userQuestion },
  ]
  const messages = openingMessages()
  const parsedTurns: Parsed[] = []
  for (const answer of answers) {
    const params = { model: models.openai, input: structuredClone(input), tools: sdkTools, max_output_tokens: maxTokens, temperature }
    const sdk = await sdkCall(params, answer, streamed)
    const switchyard = await switchyardCall(messages, answer, streamed)
    expect(normalized(switchyard.wire), 'switchyard and the SDK put the same request on the wire').toEqual(normalized(sdk.wire))
    expect(switchyard.parsed, 'switchyard and the SDK read the same answer').toEqual(sdk.parsed)
    parsedTurns.push(sdk.parsed)
    if (sdk.parsed.text !== '') input.push({ role: 'assistant', content: sdk.parsed.text })
    for (const item of sdk.response.output) if (item.type === 'function_call') input.push(item)
    const calls = switchyard.parsed.toolCalls
    messages.push({ role: 'assistant', content: switchyard.parsed.text === '' ? null : switchyard.parsed.text, toolCalls: calls.map((call) => ({ id: call.id, name: call.name, arguments: JSON.stringify(call.arguments) })) })
    for (const call of calls) {
      input.push({ type: 'function_call_output', call_id: call.id, output: toolResultFor(call.name) })
      messages.push({ role: 'tool', toolCallId: call.id, content: toolResultFor(call.name) })
    }
  }
  return parsedTurns
}

describe.each([false, true])('OpenAI Responses against the openai SDK (streamed: %s)', (streamed) => {
  it('sends and reads a three-turn tool loop with two tools like the SDK', async () => {
    const turns = await compareConversation(streamed ? toolLoopStreams : toolLoopAnswers, streamed)
    expect(turns.map((turn) => turn.toolCalls.map((call) => call.name))).toEqual([['get_weather'], ['get_local_time'], []])
    expect(turns[2]).toMatchObject({ text: 'Yes: 21 °C and clear in Lisbon, where it is 18:42.', finishReason: 'stop' })
    expect(turns[0]?.usage.reasoningOutputTokens).toBe(64)
    expect(turns[2]?.usage.cacheReadInputTokens).toBe(128)
    const sent = wireOf(server.lastRequest())
    expect(sent.path).toBe('/v1/responses')
    expect(sent.headers.authorization).toBe(`Bearer ${apiKey}`)
  })

  it('reads prompt-cache reads like the SDK', async () => {
    const turns = await compareConversation(streamed ? cachingStreams : cachingAnswers, streamed)
    expect(turns.map((turn) => [turn.usage.inputTokens, turn.usage.cacheReadInputTokens])).toEqual([[2_048, 0], [2_060, 1_920]])
  })
})

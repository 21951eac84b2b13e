import { GoogleGenAI, ThinkingLevel, type Content, type GenerateContentParameters, type GenerateContentResponse, type Part } from '@google/genai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/model-call/chat-message.js'
import type { FinishReason } from '../../src/model-call/finish-reason.js'
import type { ToolCall } from '../../src/model-call/tool-call.js'
import type { Router } from '../../src/router/create-router.js'
import type { ChatRequest, ChatResult } from '../../src/router/chat-request.js'
import * as fixtures from '../fixtures/sdk-harness/gemini.js'
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import * as conversation from './conversation.js'
import { maxTokens, openingMessages, systemPrompt, temperature, toolResultFor, tools, userQuestion } from './conversation.js'
import { apiKey, harnessRouter, models, parsedOfSwitchyard, routedCall, usageOf, wireOf, type Parsed, type Wire } from './harness.js'

/*
 * Gemini: Google's `@google/genai` client and switchyard's router, both pointed at one
 * loopback server, send the same conversation and read the same recorded answers; what
 * each put on the wire and what each parsed must agree. Gemini 3 signs each function
 * call (`thoughtSignature`) and refuses the next turn without it, and Gemini sends no call
 * ids: both are checked through the whole loop.
 */

let server: ProviderServer
let router: Router
let client: GoogleGenAI

beforeAll(async () => {
  server = await startProviderServer()
  router = harnessRouter(server.url)
  client = new GoogleGenAI({ apiKey, httpOptions: { baseUrl: server.url, timeout: 5_000 } })
})
afterAll(async () => {
  await router.close()
  await server.close()
})

const functionDeclarations = tools.map((tool) => ({ name: tool.name, description: tool.description, parametersJsonSchema: tool.parameters }))

/**
 * The wire with what differs on purpose taken out, each with its reason:
 * - the SDK turns a string `systemInstruction` into a content with `role: 'user'`;
 *   switchyard sends the parts alone, as the API documents `systemInstruction` (its role
 *   is ignored there);
 * - the SDK's user sends the model's content back whole, thought-summary parts
 *   (`thought: true`) included; switchyard keeps thought text out of the answer and sends
 *   only the signatures back, which carry the model's reasoning context (the summaries
 *   are a readable digest of it, not its input).
 */
function normalized(wire: Wire): Wire {
  const body = structuredClone(wire.body)
  const instruction = body.systemInstruction as Record<string, unknown> | undefined
  if (instruction?.role === 'user') delete instruction.role
  const contents = (body.contents ?? []) as Content[]
  for (const content of contents) content.parts = (content.parts ?? []).filter((part) => part.thought !== true || part.thoughtSignature !== undefined)
  return { ...wire, body }
}

/** Gemini's finish reasons in switchyard's words: a STOP that asks for tools is a tool-call turn. */
function finishReasonOf(reason: string | undefined, hasCalls: boolean): FinishReason {
  if (reason === 'STOP') return hasCalls ? 'tool_calls' : 'stop'
  return reason === 'MAX_TOKENS' ? 'length' : 'other'
}

/** What the SDK user reads off one answer (or a whole stream): the model's parts, merged, and the last usage and finish reason. */
interface SdkAnswer {
  parts: Part[]
  usage: GenerateContentResponse['usageMetadata']
  finishReason: string | undefined
}

/** Joins the text pieces a stream split one text part into, as a user keeps one model turn. */
function mergedParts(parts: Part[]): Part[] {
  const merged: Part[] = []
  for (const part of parts) {
    const last = merged.at(-1)
    const plainText = (value: Part | undefined) => value?.text !== undefined && Object.keys(value).length === 1
    if (plainText(part) && plainText(last) && last !== undefined) last.text = `${last.text ?? ''}${part.text ?? ''}`
    else merged.push({ ...part })
  }
  return merged
}

/** The SDK's answer in the harness's shape; usage by the GenAI convention (output includes thoughts). Gemini has no call ids. */
function parsedOfSdk(answer: SdkAnswer): Omit<Parsed, 'toolCalls'> & { toolCalls: { name: string; arguments: unknown; thoughtSignature?: string }[] } {
  const usage = answer.usage
  const thoughts = usage?.thoughtsTokenCount ?? 0
  const calls = answer.parts.filter((part) => part.functionCall !== undefined)
  return {
    text: answer.parts.flatMap((part) => (part.text !== undefined && part.thought !== true ? [part.text] : [])).join(''),
    toolCalls: calls.map((part) => ({ name: part.functionCall?.name ?? '', arguments: part.functionCall?.args, thoughtSignature: part.thoughtSignature })),
    usage: usageOf({
      inputTokens: (usage?.promptTokenCount ?? 0) + (usage?.toolUsePromptTokenCount ?? 0),
      outputTokens: (usage?.candidatesTokenCount ?? 0) + thoughts,
      cacheReadInputTokens: usage?.cachedContentTokenCount ?? 0,
      reasoningOutputTokens: thoughts,
    }),
    finishReason: finishReasonOf(answer.finishReason, calls.length > 0),
  }
}

async function sdkCall(params: GenerateContentParameters, answer: unknown, streamed: boolean): Promise<{ wire: Wire; answer: SdkAnswer }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const responses: GenerateContentResponse[] = []
  if (streamed) for await (const chunk of await client.models.generateContentStream(params)) responses.push(chunk)
  else responses.push(await client.models.generateContent(params))
  const last = responses.at(-1)
  return {
    wire: wireOf(server.lastRequest()),
    answer: {
      parts: mergedParts(responses.flatMap((response) => response.candidates?.[0]?.content?.parts ?? [])),
      usage: last?.usageMetadata,
      finishReason: last?.candidates?.[0]?.finishReason,
    },
  }
}

async function switchyardCall(request: ChatRequest, answer: unknown, streamed: boolean): Promise<{ wire: Wire; result: ChatResult }> {
  server.reply(streamed ? { sse: answer as string } : { body: answer })
  const result = await routedCall(router, request, streamed)
  return { wire: wireOf(server.lastRequest()), result }
}

interface Turn {
  sdk: ReturnType<typeof parsedOfSdk>
  switchyard: ChatResult
  wires: { sdk: Wire; switchyard: Wire }
}

/** What a case adds to the plain conversation, on each side. */
interface CaseOptions {
  config?: GenerateContentParameters['config']
  request?: Partial<ChatRequest>
  /** Replaces the user's question (same meaning on both sides). */
  user?: { sdk: Content; switchyard: ChatMessage }
}

async function compareConversation(answers: unknown[], streamed: boolean, options: CaseOptions = {}): Promise<Turn[]> {
  const contents: Content[] = [options.user?.sdk ?? { role: 'user', parts: [{ text: userQuestion }] }]
  const messages = openingMessages()
  if (options.user !== undefined) messages[1] = options.user.switchyard
  const turns: Turn[] = []
  for (const answer of answers) {
    const params: GenerateContentParameters = {
      model: models.gemini,
      contents: structuredClone(contents),
      config: { systemInstruction: systemPrompt, tools: [{ functionDeclarations }], maxOutputTokens: maxTokens, temperature, ...options.config },
    }
    const sdk = await sdkCall(params, answer, streamed)
    const switchyard = await switchyardCall({ route: 'gemini', messages: structuredClone(messages), tools, maxTokens, temperature, ...options.request }, answer, streamed)
    expect(normalized(switchyard.wire), 'switchyard and the SDK put the same request on the wire').toEqual(normalized(sdk.wire))
    const sdkParsed = parsedOfSdk(sdk.answer)
    const { toolCalls, ...rest } = parsedOfSwitchyard(switchyard.result)
    expect(rest, 'switchyard and the SDK read the same text, usage and finish reason').toEqual({ text: sdkParsed.text, usage: sdkParsed.usage, finishReason: sdkParsed.finishReason })
    // Gemini sends no ids: switchyard makes its own, so only names, arguments and signatures compare.
    expect(switchyard.result.toolCalls.map((call) => ({ name: call.name, arguments: JSON.parse(call.arguments) as unknown, thoughtSignature: call.thoughtSignature })), 'the same tool calls, signatures included').toEqual(sdkParsed.toolCalls)
    expect(toolCalls).toHaveLength(sdkParsed.toolCalls.length)
    turns.push({ sdk: sdkParsed, switchyard: switchyard.result, wires: { sdk: sdk.wire, switchyard: switchyard.wire } })
    // The SDK's documented loop: the model's content goes back as it came (signatures and all), then the function responses.
    contents.push({ role: 'model', parts: sdk.answer.parts })
    const results = sdkParsed.toolCalls.map((call) => ({ functionResponse: { name: call.name, response: JSON.parse(toolResultFor(call.name)) as Record<string, unknown> } }))
    if (results.length > 0) contents.push({ role: 'user', parts: results })
    const calls: ToolCall[] = switchyard.result.toolCalls
    // The router's message keeps the signatures (on the calls, and on the text), to be sent back untouched.
    messages.push({ ...switchyard.result.message })
    for (const call of calls) messages.push({ role: 'tool', toolCallId: call.id, content: toolResultFor(call.name) })
  }
  return turns
}

describe.each([false, true])('Gemini against @google/genai (streamed: %s)', (streamed) => {
  it('sends and reads a three-turn tool loop with two tools like the SDK, every signature and function name sent back', async () => {
    const turns = await compareConversation(streamed ? fixtures.toolLoopStreams : fixtures.toolLoopAnswers, streamed)
    expect(turns.map((turn) => turn.sdk.toolCalls.map((call) => call.name))).toEqual([['get_weather'], ['get_local_time'], []])
    expect(turns[2]?.sdk).toMatchObject({ text: 'Yes: 21 °C and clear in Lisbon, where it is 18:42.', finishReason: 'stop' })
    expect(turns[0]?.sdk.usage).toMatchObject({ outputTokens: 138, reasoningOutputTokens: 122 })
    expect(turns[2]?.sdk.usage.cacheReadInputTokens).toBe(96)
    const ids = turns.flatMap((turn) => turn.switchyard.toolCalls.map((call) => call.id))
    expect(new Set(ids).size, 'call ids switchyard makes up are unique across the turns').toBe(2)
    const last = turns[2]?.wires.switchyard
    expect(last?.path).toBe(streamed ? `/v1beta/models/${models.gemini}:streamGenerateContent?alt=sse` : `/v1beta/models/${models.gemini}:generateContent`)
    expect(last?.headers['x-goog-api-key']).toBe(apiKey)
    const sentCalls = ((last?.body.contents ?? []) as Content[]).flatMap((content) => (content.parts ?? []).filter((part) => part.functionCall !== undefined))
    expect(sentCalls.map((part) => part.thoughtSignature)).toEqual(['CiQBjz1rX2weatherSignature0Aq', 'CiQBjz1rX2timeSignature7Zb'])
    const sentResults = ((last?.body.contents ?? []) as Content[]).flatMap((content) => (content.parts ?? []).flatMap((part) => (part.functionResponse === undefined ? [] : [part.functionResponse.name])))
    expect(sentResults).toEqual(['get_weather', 'get_local_time'])
  })

  it('reads implicit-cache reads like the SDK', async () => {
    const turns = await compareConversation(streamed ? fixtures.cachingStreams : fixtures.cachingAnswers, streamed)
    expect(turns.map((turn) => [turn.sdk.usage.inputTokens, turn.sdk.usage.cacheReadInputTokens])).toEqual([[2_048, 0], [2_060, 2_010]])
  })

  it('asks for structured output (responseMimeType, responseJsonSchema) and reads the JSON text like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.structuredStreams : fixtures.structuredAnswers, streamed, {
      config: { tools: undefined, responseMimeType: 'application/json', responseJsonSchema: conversation.weatherReport.schema },
      request: { tools: undefined, responseFormat: { type: 'json_schema', ...conversation.weatherReport } },
      user: { sdk: { role: 'user', parts: [{ text: conversation.structuredQuestion }] }, switchyard: { role: 'user', content: conversation.structuredQuestion } },
    })
    expect(JSON.parse(turn?.sdk.text ?? '')).toEqual(JSON.parse(conversation.structuredText))
  })

  it('asks for a JSON object (responseMimeType alone) like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.structuredStreams : fixtures.structuredAnswers, streamed, {
      config: { tools: undefined, responseMimeType: 'application/json' },
      request: { tools: undefined, responseFormat: { type: 'json_object' } },
      user: { sdk: { role: 'user', parts: [{ text: conversation.structuredQuestion }] }, switchyard: { role: 'user', content: conversation.structuredQuestion } },
    })
    expect(JSON.parse(turn?.sdk.text ?? '')).toEqual(JSON.parse(conversation.structuredText))
  })

  it('asks a Gemini 3 model for a thinking level, keeps thought summaries out of the text and reads thought tokens like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.thinkingStreams : fixtures.thinkingAnswers, streamed, {
      config: { tools: undefined, thinkingConfig: { thinkingLevel: ThinkingLevel.HIGH, includeThoughts: true } },
      request: { tools: undefined, reasoning: { effort: 'high' }, providerOptions: { gemini: { generationConfig: { thinkingConfig: { includeThoughts: true } } } } },
      user: { sdk: { role: 'user', parts: [{ text: conversation.reasoningQuestion }] }, switchyard: { role: 'user', content: conversation.reasoningQuestion } },
    })
    expect(turn?.sdk).toMatchObject({ text: conversation.reasoningText, usage: { outputTokens: 249, reasoningOutputTokens: 233 } })
    expect(turn?.switchyard.message.thoughtSignature, 'the text part\'s signature is kept for the next turn').toBe('CiQBjz1rX2thinkingTextSignature9')
  })

  it('sends images by URL (fileData) and by bytes (inlineData) like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.imageStreams : fixtures.imageAnswers, streamed, {
      user: {
        sdk: { role: 'user', parts: [{ text: conversation.imageQuestion }, { fileData: { mimeType: 'image/jpeg', fileUri: conversation.imageUrl } }, { inlineData: { mimeType: 'image/png', data: conversation.imageBase64 } }] },
        switchyard: { role: 'user', content: [{ type: 'text', text: conversation.imageQuestion }, { type: 'image_url', imageUrl: conversation.imageUrl }, { type: 'image_url', imageUrl: conversation.imageDataUrl }] },
      },
    })
    expect(turn?.sdk.text).toBe(conversation.imageText)
  })

  it('thinks in a tool loop: the signed call goes back without the thought summary, and thought tokens are read like the SDK', async () => {
    const turns = await compareConversation(streamed ? fixtures.thinkingLoopStreams : fixtures.thinkingLoopAnswers, streamed, {
      config: { thinkingConfig: { thinkingLevel: ThinkingLevel.LOW, includeThoughts: true } },
      request: { reasoning: { effort: 'low' }, providerOptions: { gemini: { generationConfig: { thinkingConfig: { includeThoughts: true } } } } },
    })
    expect(turns.map((turn) => turn.sdk.usage.reasoningOutputTokens)).toEqual([150, 30])
    expect(turns[0]?.switchyard.text, 'a thought summary is not the answer').toBe('')
    const sent = turns[1]?.wires.switchyard.body.contents as Content[]
    expect(sent[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Lisbon' } }, thoughtSignature: 'CiQBjz1rX2thinkingCallSignature4' }] })
  })

  it('answers two parallel calls in one turn: the one signature goes back on its call, both responses under their own names', async () => {
    const turns = await compareConversation(streamed ? fixtures.parallelStreams : fixtures.parallelAnswers, streamed)
    expect(turns[0]?.sdk.toolCalls.map((call) => call.name)).toEqual(['get_weather', 'get_local_time'])
    expect(new Set(turns[0]?.switchyard.toolCalls.map((call) => call.id)).size).toBe(2)
    const sent = turns[1]?.wires.switchyard.body.contents as Content[]
    expect(sent.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Lisbon' } }, thoughtSignature: 'CiQBjz1rX2parallelSignature1' },
          { functionCall: { name: 'get_local_time', args: { timezone: 'Europe/Lisbon' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temperature_c: 21, sky: 'clear' } } },
          { functionResponse: { name: 'get_local_time', response: { time: '18:42' } } },
        ],
      },
    ])
  })

  it('reads an answer cut at MAX_TOKENS as length, like the SDK', async () => {
    const [turn] = await compareConversation(streamed ? fixtures.truncatedStreams : fixtures.truncatedAnswers, streamed)
    expect(turn?.sdk).toMatchObject({ finishReason: 'length', text: 'Take the 18:55 tram 28; it' })
  })
})

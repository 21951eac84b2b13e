import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/model-call/chat-message.js'
import type { ModelCallResult } from '../../src/model-call/model-call-result.js'
import type { ToolDefinition } from '../../src/model-call/tool-definition.js'
import { GeminiProvider } from '../../src/providers/gemini/gemini-provider.js'
import type { ProviderRequest } from '../../src/providers/provider.js'
import { collect, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

// A Gemini 3 tool loop as an agent runs it: each answer's tool calls are echoed back
// as the assistant turn, each call is answered by a tool message, and the model is
// called again. Gemini 3 refuses a turn whose functionCall parts lost their
// thoughtSignature, and matches results by function name, so both must survive.

let server: ProviderServer
let provider: GeminiProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new GeminiProvider({ apiKey: 'AIzaSyTest-tool-loop', baseURL: server.url })
})

afterAll(async () => {
  await provider.close()
  await server.close()
})

afterEach(() => {
  server.requests.length = 0
})

interface Answer {
  candidates: { content: { parts: Record<string, unknown>[]; role: string }; finishReason: string; index: number }[]
  usageMetadata: Record<string, number>
  modelVersion: string
  responseId: string
}

const answers = [
  fixtureJson('gemini/tool-loop-1-weather.json'),
  fixtureJson('gemini/tool-loop-2-time-and-weather.json'),
  fixtureJson('gemini/tool-loop-3-answer.json'),
] as Answer[]

function signatureOf(answer: Answer, part: number): string {
  const signature = answer.candidates[0]?.content.parts[part]?.thoughtSignature
  if (typeof signature !== 'string') throw new Error('fixture part has no signature')
  return signature
}

/**
 * The same answer as `streamGenerateContent?alt=sse` sends it: one chunk per part,
 * cumulative usage on each, the finish reason on the last; a text part's signature
 * arrives on its own last chunk with empty text, as Gemini 3 streams it.
 */
function sseOf(answer: Answer): string {
  const [candidate] = answer.candidates
  if (candidate === undefined) throw new Error('fixture has no candidate')
  const chunks: Record<string, unknown>[][] = []
  for (const part of candidate.content.parts) {
    if (typeof part.text === 'string' && part.thoughtSignature !== undefined) {
      const { thoughtSignature, ...text } = part
      chunks.push([text], [{ text: '', thoughtSignature }])
    } else chunks.push([part])
  }
  return chunks
    .map((parts, index) => {
      const last = index === chunks.length - 1
      const chunk = {
        candidates: [{ content: { parts, role: 'model' }, index: 0, ...(last ? { finishReason: candidate.finishReason } : {}) }],
        usageMetadata: answer.usageMetadata,
        modelVersion: answer.modelVersion,
        responseId: answer.responseId,
      }
      return `data: ${JSON.stringify(chunk)}\r\n\r\n`
    })
    .join('')
}

const tools: ToolDefinition[] = [
  { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } },
]

const toolResults: Record<string, (args: Record<string, string>) => string> = {
  get_weather: (args) => JSON.stringify({ city: args.city, celsius: args.city === 'Paris' ? 21 : 19 }),
  get_time: () => JSON.stringify({ time: '14:05' }),
}

/** The agent's side: echo the answer as an assistant turn and answer each call. */
function nextMessages(result: ModelCallResult): ChatMessage[] {
  const assistant: ChatMessage = { role: 'assistant', content: result.text || null, toolCalls: result.toolCalls }
  if (result.thoughtSignature !== undefined) assistant.thoughtSignature = result.thoughtSignature
  const results = result.toolCalls.map((call): ChatMessage => {
    const run = toolResults[call.name]
    if (run === undefined) throw new Error(`unknown tool ${call.name}`)
    return { role: 'tool', toolCallId: call.id, content: run(JSON.parse(call.arguments) as Record<string, string>) }
  })
  return [assistant, ...results]
}

type Call = (request: ProviderRequest) => Promise<ModelCallResult>

const plain: Call = (request) => provider.chat(request)
const streamed: Call = async (request) => {
  const events = await collect(provider.stream(request))
  const finish = events.at(-1)
  if (finish?.type !== 'finish') throw new Error('no finish event')
  return finish.result
}

interface SentPart {
  text?: string
  thoughtSignature?: string
  functionCall?: { name: string; args: unknown }
  functionResponse?: { name: string; response: Record<string, unknown> }
}

function sentContents(index: number): { role: string; parts: SentPart[] }[] {
  const request = server.requests[index]
  if (request === undefined) throw new Error(`no request ${index}`)
  return (request.json() as { contents: { role: string; parts: SentPart[] }[] }).contents
}

async function runLoop(call: Call, reply: (answer: Answer) => void): Promise<ModelCallResult[]> {
  const messages: ChatMessage[] = [{ role: 'user', content: 'Time and weather in Paris, and the weather in Lyon?' }]
  const results: ModelCallResult[] = []
  for (const answer of answers) {
    reply(answer)
    const result = await call({ model: 'gemini-3-pro-preview', messages: [...messages], tools })
    results.push(result)
    messages.push(...nextMessages(result))
  }
  // A fourth call carries the final text answer back, with its signature.
  reply(answers[0] as Answer)
  messages.push({ role: 'user', content: 'Thanks.' })
  await call({ model: 'gemini-3-pro-preview', messages, tools })
  return results
}

describe.each([
  ['generateContent', plain, (answer: Answer) => server.reply({ body: answer })],
  ['streamGenerateContent', streamed, (answer: Answer) => server.reply({ sse: sseOf(answer) })],
] as const)('a Gemini 3 three-turn tool loop with two tools (%s)', (_name, call, reply) => {
  it('keeps each call signature, gives every call an id unique across turns, and keeps the text signature', async () => {
    const results = await runLoop(call, reply)
    const [first, second, third] = results
    expect(first?.toolCalls).toEqual([
      { id: expect.any(String), name: 'get_weather', arguments: '{"city":"Paris"}', thoughtSignature: signatureOf(answers[0] as Answer, 0) },
    ])
    expect(second?.toolCalls).toEqual([
      { id: expect.any(String), name: 'get_time', arguments: '{"zone":"Europe/Paris"}', thoughtSignature: signatureOf(answers[1] as Answer, 0) },
      // Gemini signs only the first call of a parallel step; the second has none and gets none.
      { id: expect.any(String), name: 'get_weather', arguments: '{"city":"Lyon"}' },
    ])
    expect(third?.text).toBe('It is 14:05 in Paris, 21 °C and sunny; Lyon has 19 °C.')
    expect(third?.thoughtSignature).toBe(signatureOf(answers[2] as Answer, 0))
    const ids = results.flatMap((result) => result.toolCalls.map((toolCall) => toolCall.id))
    expect(new Set(ids).size).toBe(3)
  })

  it('sends every signature back untouched and names every functionResponse after the call it answers', async () => {
    await runLoop(call, reply)
    expect(server.requests).toHaveLength(4)
    const last = sentContents(3)
    expect(last.map((content) => content.role)).toEqual(['user', 'model', 'user', 'model', 'user', 'model', 'user'])
    expect(last[1]?.parts).toEqual([
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signatureOf(answers[0] as Answer, 0) },
    ])
    expect(last[2]?.parts).toEqual([{ functionResponse: { name: 'get_weather', response: { city: 'Paris', celsius: 21 } } }])
    expect(last[3]?.parts).toEqual([
      { functionCall: { name: 'get_time', args: { zone: 'Europe/Paris' } }, thoughtSignature: signatureOf(answers[1] as Answer, 0) },
      { functionCall: { name: 'get_weather', args: { city: 'Lyon' } } },
    ])
    expect(last[4]?.parts).toEqual([
      { functionResponse: { name: 'get_time', response: { time: '14:05' } } },
      { functionResponse: { name: 'get_weather', response: { city: 'Lyon', celsius: 19 } } },
    ])
    expect(last[5]?.parts).toEqual([
      { text: 'It is 14:05 in Paris, 21 °C and sunny; Lyon has 19 °C.', thoughtSignature: signatureOf(answers[2] as Answer, 0) },
    ])
    // Each earlier turn sent the conversation as it stood then, signatures included.
    expect(sentContents(1)[1]).toEqual(last[1])
    expect(sentContents(2).slice(0, 5)).toEqual(last.slice(0, 5))
  })
})

describe('Gemini tool results', () => {
  it('resolve a reused call id to the latest assistant call with that id before them, not to a later one', async () => {
    server.reply({ body: answers[2] })
    await provider.chat({
      model: 'gemini-3-pro-preview',
      tools,
      messages: [
        { role: 'user', content: 'Weather, then time.' },
        { role: 'assistant', toolCalls: [{ id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', toolCallId: 'call_0', content: '{"celsius":21}' },
        { role: 'assistant', toolCalls: [{ id: 'call_0', name: 'get_time', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_0', content: '{"time":"14:05"}' },
      ],
    })
    const names = sentContents(0).flatMap((content) => content.parts.flatMap((part) => (part.functionResponse ? [part.functionResponse.name] : [])))
    expect(names).toEqual(['get_weather', 'get_time'])
  })

  it('keeps the signature of a thought part, leaving the thought text out of the answer', async () => {
    server.reply({
      body: {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { text: 'Reading the question.', thought: true, thoughtSignature: 'CiQBthought-signature' },
                { text: 'Paris.' },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      },
    })
    const result = await provider.chat({ model: 'gemini-3-pro-preview', messages: [{ role: 'user', content: 'Capital of France?' }] })
    expect(result).toMatchObject({ text: 'Paris.', thoughtSignature: 'CiQBthought-signature', toolCalls: [] })
  })

  it('sends a call id Gemini issued back on its call and on its functionResponse, as @google/genai users do, and never one switchyard made up', async () => {
    server.reply({
      body: {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { id: 'fc_probe_0', name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CiQBissued' },
                { functionCall: { name: 'get_time', args: {} } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      },
    })
    const first = await provider.chat({ model: 'gemini-3-pro-preview', messages: [{ role: 'user', content: 'Weather and time?' }], tools })
    expect(first.toolCalls[0]?.id).toBe('fc_probe_0')
    const madeUp = first.toolCalls[1]!.id
    expect(madeUp).toMatch(/^call_[A-Za-z0-9_-]{12}_1$/)
    server.reply({ body: answers[2] })
    await provider.chat({
      model: 'gemini-3-pro-preview',
      tools,
      messages: [
        { role: 'user', content: 'Weather and time?' },
        { role: 'assistant', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'fc_probe_0', content: '{"celsius":21}' },
        { role: 'tool', toolCallId: madeUp, content: '{"time":"14:05"}' },
      ],
    })
    const sent = sentContents(1)
    expect(sent[1]?.parts).toEqual([
      { functionCall: { id: 'fc_probe_0', name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CiQBissued' },
      { functionCall: { name: 'get_time', args: {} } },
    ])
    expect(sent[2]?.parts).toEqual([
      { functionResponse: { id: 'fc_probe_0', name: 'get_weather', response: { celsius: 21 } } },
      { functionResponse: { name: 'get_time', response: { time: '14:05' } } },
    ])
  })

  it('keeps a call id Gemini sent, and drops a signature too long to keep', async () => {
    server.reply({
      body: {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { id: 'fc_7', name: 'get_time', args: {} }, thoughtSignature: 'x'.repeat(65_537) },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      },
    })
    const result = await provider.chat({ model: 'gemini-3-pro-preview', messages: [{ role: 'user', content: 'Time?' }], tools })
    expect(result.toolCalls).toEqual([{ id: 'fc_7', name: 'get_time', arguments: '{}', providerIssuedId: true }])
  })
})

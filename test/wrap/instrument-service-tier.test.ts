import Anthropic from '@anthropic-ai/sdk'
import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { instrument } from '../../src/wrap/instrument.js'
import { byteOffsetOf, collect, fixture, fixtureJson, rejection, type ProviderServer } from '../helpers/provider-server.js'
import { openaiSdks } from './openai-sdks.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'
import { testBudgetGate } from './test-budget-gate.js'
import { tieredPriceTable } from './tiered-prices.js'

const messages = [{ role: 'user' as const, content: 'Plan the migration.' }]
const priceTable = tieredPriceTable()

let recorder: SpanRecorder
let server: ProviderServer

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
})

/** The recorded chat completion, from tiered-gpt, served by `serviceTier`, with 10 000 prompt and 1 000 output tokens. */
function completion(serviceTier: string): unknown {
  const answer = structuredClone(fixtureJson('openai/chat-completion.json')) as Record<string, unknown>
  answer.model = 'tiered-gpt-2026-01-01'
  answer.service_tier = serviceTier
  answer.usage = { prompt_tokens: 10_000, completion_tokens: 1_000, total_tokens: 11_000 }
  return answer
}

/** The recorded chat stream, from tiered-gpt, each chunk naming `serviceTier` (2006 prompt and 11 output tokens). */
function chatStream(serviceTier: string): string {
  return fixture('openai/chat-stream.sse')
    .replaceAll('gpt-4o-mini-2024-07-18', 'tiered-gpt-2026-01-01')
    .replaceAll('"service_tier":"default"', `"service_tier":"${serviceTier}"`)
}

/** The recorded Anthropic message, from claude-tiered, served by `serviceTier`, with 10 000 input and 1 000 output tokens. */
function message(serviceTier: string): unknown {
  const answer = structuredClone(fixtureJson('anthropic/message.json')) as Record<string, unknown>
  answer.model = 'claude-tiered-20260101'
  answer.usage = { input_tokens: 10_000, output_tokens: 1_000, service_tier: serviceTier }
  return answer
}

describe.each(openaiSdks)('an instrumented openai v$major client', (sdk) => {
  function newClient(): OpenAI {
    return instrument(new sdk.OpenAI({ apiKey: 'sk-tier-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 }), { priceTable })
  }

  it('prices chat.completions.create at the prices of the tier the answer names, and puts that tier on the span', async () => {
    const client = newClient()
    server.reply({ body: completion('priority') }, { body: completion('default') }, { body: completion('flex') })
    await client.chat.completions.create({ model: 'tiered-gpt', messages, service_tier: 'priority' })
    // Asked for priority, served at the standard tier (OpenAI's answer is what is billed).
    await client.chat.completions.create({ model: 'tiered-gpt', messages, service_tier: 'priority' })
    await client.chat.completions.create({ model: 'tiered-gpt', messages, service_tier: 'flex' })

    expect(server.requests.map((request) => (request.json() as { service_tier: string }).service_tier)).toEqual(['priority', 'priority', 'flex'])
    // 10 000 × $2/M + 1 000 × $20/M; 10 000 × $1/M + 1 000 × $10/M; 10 000 × $0.5/M + 1 000 × $5/M
    expect(recorder.calls().map((call) => call.attributes)).toEqual([
      expect.objectContaining({ 'switchyard.service_tier': 'priority', 'switchyard.cost.usd': '0.04', 'switchyard.cost.source': 'catalog' }),
      expect.objectContaining({ 'switchyard.service_tier': 'default', 'switchyard.cost.usd': '0.02', 'switchyard.cost.source': 'catalog' }),
      expect.objectContaining({ 'switchyard.service_tier': 'flex', 'switchyard.cost.usd': '0.01', 'switchyard.cost.source': 'catalog' }),
    ])
  })

  it('prices a streamed chat completion at the tier its chunks name', async () => {
    const client = newClient()
    server.reply({ sse: chatStream('priority') })
    const chunks = await collect(await client.chat.completions.create({ model: 'tiered-gpt', messages, stream: true, service_tier: 'priority' }))
    expect(chunks.every((chunk) => chunk.service_tier === 'priority')).toBe(true)
    // 2006 × $2/M + 11 × $20/M
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'switchyard.service_tier': 'priority', 'switchyard.cost.usd': '0.004232', 'gen_ai.request.stream': true })
  })
})

describe('an instrumented openai client', () => {
  function newClient(options: Parameters<typeof instrument>[1] = {}): OpenAI {
    return instrument(new openaiSdks[0]!.OpenAI({ apiKey: 'sk-tier-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 }), { priceTable, ...options })
  }

  it('prices responses.create, plain and streamed, at the tier the response names', async () => {
    const client = newClient()
    const response = structuredClone(fixtureJson('openai/responses.json')) as Record<string, unknown>
    response.model = 'tiered-gpt-2026-01-01'
    response.service_tier = 'flex'
    const stream = fixture('openai/responses-stream.sse').replaceAll('gpt-5-mini-2025-08-07', 'tiered-gpt-2026-01-01').replaceAll('"service_tier":"auto"', '"service_tier":"priority"')
    server.reply({ body: response }, { sse: stream })
    await client.responses.create({ model: 'tiered-gpt', input: 'Plan the migration.', service_tier: 'flex' })
    await collect(await client.responses.create({ model: 'tiered-gpt', input: 'Plan the migration.', stream: true, service_tier: 'priority' }))

    const [plain, streamed] = recorder.calls()
    // 2087 × $0.5/M + 340 × $5/M
    expect(plain!.attributes).toMatchObject({ 'switchyard.service_tier': 'flex', 'switchyard.cost.usd': '0.0027435' })
    expect(streamed!.attributes).toMatchObject({ 'switchyard.service_tier': 'priority', 'gen_ai.request.stream': true })
    const usage = streamed!.attributes
    const expected = (Number(usage['gen_ai.usage.input_tokens']) * 2 + Number(usage['gen_ai.usage.output_tokens']) * 20) / 1e6
    expect(Number(usage['switchyard.cost.usd'])).toBeCloseTo(expected, 12)
  })

  it('reserves at the worst case of the tier the request asks for', async () => {
    const gate = testBudgetGate({ block: false })
    const client = newClient({ budgets: gate })
    server.reply({ body: completion('priority') }, { body: completion('default') }, { body: completion('flex') })
    await client.chat.completions.create({ model: 'tiered-gpt', messages, max_completion_tokens: 1_000, service_tier: 'priority' })
    await client.chat.completions.create({ model: 'tiered-gpt', messages, max_completion_tokens: 1_000 })
    await client.chat.completions.create({ model: 'tiered-gpt', messages, max_completion_tokens: 1_000, service_tier: 'flex' })

    const [priority, standard, flex] = gate.queries
    const inputTokens = BigInt(standard!.inputTokens!)
    expect(inputTokens).toBeGreaterThan(0n)
    expect(priority).toMatchObject({ serviceTier: 'priority', maxOutputTokens: 1_000, inputTokens: standard!.inputTokens })
    expect(standard!.serviceTier).toBeUndefined()
    // Pico-USD per token: $1/M is 1 000 000.
    expect(priority!.worstCaseUnits).toBe(inputTokens * 2_000_000n + 1_000n * 20_000_000n)
    expect(standard!.worstCaseUnits).toBe(inputTokens * 1_000_000n + 1_000n * 10_000_000n)
    expect(flex!.worstCaseUnits).toBe(inputTokens * 500_000n + 1_000n * 5_000_000n)
    // What each call settled at: the tier its answer named.
    expect(gate.released).toEqual([40_000_000_000n, 20_000_000_000n, 10_000_000_000n])
  })

  it('has no worst case to offer without an output limit, and still names the requested tier', async () => {
    const gate = testBudgetGate({ block: false })
    const client = newClient({ budgets: gate })
    server.reply({ body: completion('priority') })
    await client.chat.completions.create({ model: 'tiered-gpt', messages, service_tier: 'priority' })
    expect(gate.queries[0]).toMatchObject({ serviceTier: 'priority' })
    expect(gate.queries[0]!.worstCaseUnits).toBeUndefined()
    expect(gate.queries[0]!.maxOutputTokens).toBeUndefined()
  })

  it('prices a stream cut before it named its usage at the tier the request asked for', async () => {
    const gate = testBudgetGate({ block: false })
    const client = newClient({ budgets: gate })
    const marker = '"finish_reason":"stop"'
    for (const tier of ['priority', 'default'] as const) {
      const sse = chatStream(tier)
      server.reply({ sse, cutAfterBytes: byteOffsetOf(sse, marker), cutMode: 'destroy' })
      const stream = await client.chat.completions.create({ model: 'tiered-gpt', messages, stream: true, service_tier: tier })
      await rejection(collect(stream))
    }
    expect(recorder.calls().map((call) => call.attributes['switchyard.cost.source'])).toEqual(['estimate', 'estimate'])
    const [priority, standard] = gate.released
    expect(standard).toBeGreaterThan(0n)
    // The same estimated tokens, at prices exactly twice the standard ones.
    expect(priority).toBe(2n * standard!)
  })
})

describe('an instrumented Anthropic client', () => {
  function newClient(options: Parameters<typeof instrument>[1] = {}): Anthropic {
    return instrument(new Anthropic({ apiKey: 'sk-ant-tier-test-SECRET', baseURL: server.url, maxRetries: 0 }), { priceTable, ...options })
  }

  it('prices messages.create and beta.messages.create at the tier usage.service_tier names', async () => {
    const client = newClient()
    server.reply({ body: message('priority') }, { body: message('standard') }, { body: message('batch') })
    await client.messages.create({ model: 'claude-tiered', max_tokens: 1_024, messages, service_tier: 'auto' })
    await client.messages.create({ model: 'claude-tiered', max_tokens: 1_024, messages })
    await client.beta.messages.create({ model: 'claude-tiered', max_tokens: 1_024, messages, betas: ['context-1m-2025-08-07'] })

    expect((server.requests[0]!.json() as { service_tier: string }).service_tier).toBe('auto')
    // 10 000 × $6/M + 1 000 × $30/M; × $3/M + × $15/M; × $1.5/M + × $7.5/M
    expect(recorder.calls().map((call) => call.attributes)).toEqual([
      expect.objectContaining({ 'switchyard.service_tier': 'priority', 'switchyard.cost.usd': '0.09' }),
      expect.objectContaining({ 'switchyard.service_tier': 'standard', 'switchyard.cost.usd': '0.045' }),
      expect.objectContaining({ 'switchyard.service_tier': 'batch', 'switchyard.cost.usd': '0.0225' }),
    ])
  })

  it('prices a beta.messages stream at the tier its message_delta names', async () => {
    const client = newClient()
    const sse = fixture('anthropic/message-thinking-stream.sse').replaceAll('claude-opus-4-5-20251101', 'claude-tiered-20260101')
    server.reply({ sse })
    await client.beta.messages.stream({ model: 'claude-tiered', max_tokens: 1_024, messages, betas: ['context-1m-2025-08-07'] }).finalMessage()
    // 37 input × $6/M + 214 output × $30/M
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'switchyard.service_tier': 'priority', 'switchyard.cost.usd': '0.006642', 'gen_ai.request.stream': true })
  })

  it('tells the budget the requested tier: standard_only reserves at the standard prices', async () => {
    const gate = testBudgetGate({ block: false })
    const client = newClient({ budgets: gate })
    server.reply({ body: message('standard') })
    await client.messages.create({ model: 'claude-tiered', max_tokens: 1_000, messages, service_tier: 'standard_only' })
    const [query] = gate.queries
    expect(query).toMatchObject({ serviceTier: 'standard', maxOutputTokens: 1_000 })
    expect(query!.worstCaseUnits).toBe(BigInt(query!.inputTokens!) * 3_000_000n + 1_000n * 15_000_000n)
  })
})

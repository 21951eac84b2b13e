import Anthropic from '@anthropic-ai/sdk'
import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { isPriceUnknownError } from '../../src/pricing/price-unknown-error.js'
import type { UnknownModelPolicy } from '../../src/pricing/unknown-model-policy.js'
import { instrument } from '../../src/wrap/instrument.js'
import { collect, fixture, fixtureJson, rejection, type ProviderServer } from '../helpers/provider-server.js'
import { openaiSdks } from './openai-sdks.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'
import { testBudgetGate } from './test-budget-gate.js'
import { tieredPriceTable } from './tiered-prices.js'

const messages = [{ role: 'user' as const, content: 'Summarize the ticket.' }]

let recorder: SpanRecorder
let server: ProviderServer

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
})

/** The recorded chat completion from `model`, with 10 000 prompt and 1 000 output tokens. */
function completion(model: string): unknown {
  const answer = structuredClone(fixtureJson('openai/chat-completion.json')) as Record<string, unknown>
  answer.model = model
  answer.usage = { prompt_tokens: 10_000, completion_tokens: 1_000, total_tokens: 11_000 }
  return answer
}

/** Asserts a refusal of `model` under the block policy. */
function expectRefusal(error: unknown, provider: string, model: string): void {
  expect(isPriceUnknownError(error)).toBe(true)
  expect(error).toMatchObject({ code: 'price_unknown', provider, model })
  expect((error as Error).message).toContain(`${provider}/${model}`)
}

describe.each(openaiSdks)('an instrumented openai v$major client whose price table blocks unpriced models', (sdk) => {
  function newClient(budgets = testBudgetGate({ block: false })): OpenAI {
    const client = new sdk.OpenAI({ apiKey: 'sk-unknown-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 })
    return instrument(client, { priceTable: tieredPriceTable('block'), budgets })
  }

  it('refuses chat, responses and embeddings calls to an unpriced model before any request, with no span and no budget asked', async () => {
    const gate = testBudgetGate({ block: false })
    const client = newClient(gate)
    expectRefusal(await rejection(client.chat.completions.create({ model: 'house-model', messages })), 'openai', 'house-model')
    expectRefusal(await rejection(client.chat.completions.create({ model: 'house-model', messages, stream: true })), 'openai', 'house-model')
    expectRefusal(await rejection(client.chat.completions.create({ model: 'house-model', messages }).withResponse()), 'openai', 'house-model')
    expectRefusal(await rejection(client.responses.create({ model: 'house-model', input: 'Summarize the ticket.' })), 'openai', 'house-model')
    expectRefusal(await rejection(client.embeddings.create({ model: 'house-embedder', input: ['ticket'] })), 'openai', 'house-embedder')
    expect(server.requests).toHaveLength(0)
    expect(recorder.calls()).toHaveLength(0)
    expect(gate.queries).toHaveLength(0)
  })

  it('refuses the SDK helpers built on create: chat.completions.stream() rejects with the refusal as cause', async () => {
    const client = newClient()
    const error = await rejection(client.chat.completions.stream({ model: 'house-model', messages }).finalChatCompletion())
    expectRefusal((error as Error).cause, 'openai', 'house-model')
    expect(server.requests).toHaveLength(0)
  })

  it('lets a priced model through, by its name or a snapshot alias, at the catalog price', async () => {
    const client = newClient()
    server.reply({ body: completion('tiered-gpt-2026-01-01') }, { body: completion('tiered-gpt-2026-01-01') })
    await client.chat.completions.create({ model: 'tiered-gpt', messages })
    await client.chat.completions.create({ model: 'tiered-gpt-2026-01-01', messages })
    expect(server.requests).toHaveLength(2)
    // 10 000 × $1/M + 1 000 × $10/M
    expect(recorder.calls().map((call) => call.attributes['switchyard.cost.usd'])).toEqual(['0.02', '0.02'])
  })
})

describe('an instrumented Anthropic client whose price table blocks unpriced models', () => {
  const client = (): Anthropic =>
    instrument(new Anthropic({ apiKey: 'sk-ant-unknown-test-SECRET', baseURL: server.url, maxRetries: 0 }), { priceTable: tieredPriceTable('block') })
  const request = { model: 'claude-house', max_tokens: 1_024, messages }

  it('refuses messages and beta.messages calls, plain, streamed and through the stream helpers, before any request', async () => {
    const wrapped = client()
    expectRefusal(await rejection(wrapped.messages.create(request)), 'anthropic', 'claude-house')
    expectRefusal(await rejection(wrapped.messages.create({ ...request, stream: true })), 'anthropic', 'claude-house')
    expectRefusal(await rejection(wrapped.beta.messages.create({ ...request, betas: ['context-1m-2025-08-07'] })), 'anthropic', 'claude-house')
    expectRefusal((await rejection(wrapped.messages.stream(request).finalMessage()) as Error).cause, 'anthropic', 'claude-house')
    expectRefusal((await rejection(wrapped.beta.messages.stream(request).finalMessage()) as Error).cause, 'anthropic', 'claude-house')
    expect(server.requests).toHaveLength(0)
    expect(recorder.calls()).toHaveLength(0)
  })

  it('lets a priced model through', async () => {
    const answer = structuredClone(fixtureJson('anthropic/message.json')) as Record<string, unknown>
    answer.model = 'claude-tiered-20260101'
    answer.usage = { input_tokens: 10_000, output_tokens: 1_000 }
    server.reply({ body: answer })
    await client().messages.create({ ...request, model: 'claude-tiered' })
    // 10 000 × $3/M + 1 000 × $15/M
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'switchyard.cost.usd': '0.045', 'switchyard.cost.source': 'catalog' })
  })
})

describe('a Responses call that names no model (a stored prompt) under the block policy', () => {
  it('is sent, since only the answer names its model, and priced by that model', async () => {
    const client = instrument(new openaiSdks[0]!.OpenAI({ apiKey: 'sk-unknown-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 }), {
      priceTable: tieredPriceTable('block'),
    })
    const response = structuredClone(fixtureJson('openai/responses.json')) as Record<string, unknown>
    response.model = 'tiered-gpt-2026-01-01'
    response.usage = { input_tokens: 10_000, output_tokens: 1_000, total_tokens: 11_000 }
    server.reply({ body: response })
    await client.responses.create({ prompt: { id: 'pmpt_triage' } })
    expect(server.requests).toHaveLength(1)
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'gen_ai.response.model': 'tiered-gpt-2026-01-01', 'switchyard.cost.usd': '0.02' })
  })
})

describe('an unpriced model under the other policies', () => {
  function clientWith(policy: UnknownModelPolicy | undefined, budgets = testBudgetGate({ block: false })): OpenAI {
    const client = new openaiSdks[0]!.OpenAI({ apiKey: 'sk-unknown-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 })
    return instrument(client, { priceTable: tieredPriceTable(policy), budgets })
  }

  it.each([
    // The dearest openai prices of the table: tiered-gpt's $1 / $10 per million.
    { name: 'the default', policy: undefined, costUsd: '0.02', priceVersion: 'unknown_model:most_expensive:openai' },
    { name: 'mostExpensive', policy: 'mostExpensive' as const, costUsd: '0.02', priceVersion: 'unknown_model:most_expensive:openai' },
    // cheap-gpt: 10 000 × $0.1/M + 1 000 × $0.4/M
    { name: 'priceAs', policy: { priceAs: 'openai/cheap-gpt' }, costUsd: '0.0014', priceVersion: 'unknown_model:price_as:openai/cheap-gpt@2026-01-01' },
    // 10 000 × $5/M + 1 000 × $50/M
    { name: 'per-million prices', policy: { inputPerMillion: '5', outputPerMillion: '50' }, costUsd: '0.1', priceVersion: 'unknown_model:fallback' },
  ])('is sent and counted as an estimate under $name, never as zero', async ({ policy, costUsd, priceVersion }) => {
    const gate = testBudgetGate({ block: false })
    server.reply({ body: completion('house-model') })
    await clientWith(policy, gate).chat.completions.create({ model: 'house-model', messages })
    expect(server.requests).toHaveLength(1)
    expect(recorder.calls()[0]!.attributes).toMatchObject({
      'switchyard.cost.usd': costUsd,
      'switchyard.cost.source': 'estimate',
      'switchyard.price.version': priceVersion,
    })
    expect(gate.released).toHaveLength(1)
    expect(gate.released[0]).toBeGreaterThan(0n)
  })

  it('reserves at the fallback prices of the policy', async () => {
    const gate = testBudgetGate({ block: false })
    server.reply({ body: completion('house-model') })
    await clientWith({ inputPerMillion: '5', outputPerMillion: '50' }, gate).chat.completions.create({ model: 'house-model', messages, max_tokens: 100 })
    const [query] = gate.queries
    expect(query!.worstCaseUnits).toBe(BigInt(query!.inputTokens!) * 5_000_000n + 100n * 50_000_000n)
  })

  it('prices a streamed call to an unpriced model the same way', async () => {
    const sse = fixture('openai/chat-stream.sse').replaceAll('gpt-4o-mini-2024-07-18', 'house-model')
    server.reply({ sse })
    await collect(await clientWith({ priceAs: 'openai/cheap-gpt' }).chat.completions.create({ model: 'house-model', messages, stream: true }))
    // 2006 × $0.1/M + 11 × $0.4/M
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'switchyard.cost.usd': '0.000205', 'switchyard.cost.source': 'estimate', 'gen_ai.request.stream': true })
  })
})

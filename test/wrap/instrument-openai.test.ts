import type OpenAI from 'openai'
import { beforeAll, describe, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { currentScope, step, workflow } from '../../src/telemetry/workflow-context.js'
import { instrument } from '../../src/wrap/instrument.js'
import { byteOffsetOf, collect, fixture, fixtureJson, rejection, type ProviderServer } from '../helpers/provider-server.js'
import { openaiSdks } from './openai-sdks.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'
import { testBudgetGate } from './test-budget-gate.js'

const apiKey = 'sk-wrap-test-SECRET'
const messages = [{ role: 'user' as const, content: 'hi' }]
const chatStream = fixture('openai/chat-stream.sse')
const chatStreamWithoutUsage = fixture('wrap/chat-stream-without-usage.sse')

let recorder: SpanRecorder
let server: ProviderServer

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
})

/** The text of a response's message items, as `output_text` would join it. */
function messageText(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('')
}

describe.each(openaiSdks)('instrument(openai v$major)', (sdk) => {
  let plain: OpenAI
  let wrapped: OpenAI

  function newClient(): OpenAI {
    return new sdk.OpenAI({ apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 })
  }

  beforeAll(() => {
    plain = newClient()
    wrapped = instrument(newClient(), { tags: { team: 'support' } })
  })

  describe('chat.completions.create', () => {
    it('returns exactly what the unwrapped client returns, with one span carrying workflow, step, tags and exact cost', async () => {
      server.reply({ body: fixtureJson('openai/chat-completion.json') }, { body: fixtureJson('openai/chat-completion.json') })
      const expected = await plain.chat.completions.create({ model: 'o4-mini', messages, max_completion_tokens: 300 })
      const actual = await workflow('support-triage', { tags: { tenant: 'acme' } }, () =>
        step('plan', () => wrapped.chat.completions.create({ model: 'o4-mini', messages, max_completion_tokens: 300 })))

      expect(actual).toEqual(expected)
      expect(server.requests[1]!.json()).toEqual(server.requests[0]!.json())
      // The client under test is the major this block names.
      expect(server.requests[1]!.headers['x-stainless-package-version']).toMatch(new RegExp(`^${sdk.major}\\.`))
      const [call] = recorder.calls()
      expect(recorder.calls()).toHaveLength(1)
      expect(call!.name).toBe('chat o4-mini')
      // 138 uncached × $1.1 + 1152 cached × $0.275 + 212 output × $4.4 per million = $1401.4 per million
      expect(call!.attributes).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'o4-mini',
        'gen_ai.request.max_tokens': 300,
        'gen_ai.request.stream': false,
        'gen_ai.response.model': 'o4-mini-2025-04-16',
        'gen_ai.response.id': 'chatcmpl-BzK8v2qTnQ4hXw7LmR3aP9sD1fGy',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 1290,
        'gen_ai.usage.output_tokens': 212,
        'gen_ai.usage.cache_read.input_tokens': 1152,
        'gen_ai.usage.cache_write.input_tokens': 0,
        'gen_ai.usage.reasoning.output_tokens': 192,
        'gen_ai.workflow.name': 'support-triage',
        'server.address': '127.0.0.1',
        'server.port': server.port,
        'switchyard.workflow.run_id': expect.stringMatching(/^[0-9a-f-]{36}$/),
        'switchyard.step': 'plan',
        'switchyard.attempt': 1,
        'switchyard.cost.usd': '0.0014014',
        'switchyard.cost.source': 'catalog',
        'switchyard.price.version': expect.any(String),
        // The recorded answer says it was served by the default tier.
        'switchyard.service_tier': 'default',
        'switchyard.tag.team': 'support',
        'switchyard.tag.tenant': 'acme',
      })
      const stepSpan = recorder.spans().find((span) => span.name === 'step plan')
      expect(call!.parentSpanContext?.spanId).toBe(stepSpan!.spanContext().spanId)
      expect(JSON.stringify(recorder.spans().map((span) => span.attributes))).not.toContain(apiKey)
    })

    it('keeps the SDK promise: .withResponse() and .asResponse() work on the wrapped call', async () => {
      const headers = { 'x-request-id': 'req_wrap_1' }
      const reply = { body: fixtureJson('openai/chat-completion.json'), headers }
      server.reply(reply, reply, reply)
      const expected = await plain.chat.completions.create({ model: 'o4-mini', messages })
      const promise = wrapped.chat.completions.create({ model: 'o4-mini', messages })
      expect(promise.constructor.name).toBe('APIPromise')
      const { data, response, request_id: requestId } = await promise.withResponse()
      expect(data).toEqual(expected)
      expect(response.status).toBe(200)
      expect(requestId).toBe('req_wrap_1')

      const raw = await wrapped.chat.completions.create({ model: 'o4-mini', messages }).asResponse()
      expect(await raw.json()).toEqual(fixtureJson('openai/chat-completion.json'))
      await expect.poll(() => recorder.calls().length).toBe(2)
      expect(recorder.calls().map((span) => span.attributes['switchyard.cost.usd'])).toEqual(['0.0014014', '0.0014014'])
    })

    it('records the workflow\'s tags and step, with or without default tags of the client, and leaves the workflow\'s scope as it was', async () => {
      server.reply({ body: fixtureJson('openai/chat-completion.json') }, { body: fixtureJson('openai/chat-completion.json') })
      const untagged = instrument(newClient())
      const scopes = await workflow('support-triage', { tags: { tenant: 'acme' } }, () =>
        step('plan', async () => {
          const before = structuredClone({ ...currentScope(), otelContext: undefined })
          await untagged.chat.completions.create({ model: 'o4-mini', messages })
          await wrapped.chat.completions.create({ model: 'o4-mini', messages })
          return { before, after: structuredClone({ ...currentScope(), otelContext: undefined }) }
        }))

      expect(scopes.after).toEqual(scopes.before)
      expect(scopes.after.tags).toEqual({ tenant: 'acme' })
      const [call, tagged] = recorder.calls()
      expect(call!.attributes).toMatchObject({ 'switchyard.tag.tenant': 'acme', 'switchyard.step': 'plan', 'gen_ai.workflow.name': 'support-triage' })
      expect(call!.attributes).not.toHaveProperty('switchyard.tag.team')
      expect(tagged!.attributes).toMatchObject({ 'switchyard.tag.tenant': 'acme', 'switchyard.tag.team': 'support', 'switchyard.step': 'plan' })
    })

    it('throws the same error as the unwrapped client, and records it without a cost', async () => {
      server.reply({ status: 429, body: fixtureJson('openai/error-rate-limit.json') }, { status: 429, body: fixtureJson('openai/error-rate-limit.json') })
      const expected = await rejection(plain.chat.completions.create({ model: 'gpt-4o-mini', messages }))
      const actual = await rejection(wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages }))
      expect(actual).toBeInstanceOf(sdk.OpenAI.RateLimitError)
      expect(actual).toEqual(expected)
      const [call] = recorder.calls()
      expect(call!.status.code).toBe(2)
      expect(call!.attributes['error.type']).toBe('rate_limit')
      expect(call!.attributes['switchyard.cost.usd']).toBeUndefined()
    })
  })

  describe('streamed chat completions', () => {
    it('asks for usage, hides the usage chunk from a caller who did not ask, and prices the stream exactly', async () => {
      server.reply({ sse: chatStreamWithoutUsage }, { sse: chatStream })
      const expected = await collect(await plain.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }))
      const stream = await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
      expect(stream).toBeInstanceOf(sdk.Stream)
      expect(stream.controller).toBeInstanceOf(AbortController)
      const actual = await collect(stream)

      expect(actual).toEqual(expected)
      expect(actual.some((chunk) => 'usage' in chunk)).toBe(false)
      expect(server.requests[0]!.json()).not.toHaveProperty('stream_options')
      expect(server.requests[1]!.json()).toMatchObject({ stream: true, stream_options: { include_usage: true } })
      const [call] = recorder.calls()
      // 86 uncached × $0.15 + 1920 cached × $0.075 + 11 output × $0.6 per million = $163.5 per million
      expect(call!.attributes).toMatchObject({
        'gen_ai.request.stream': true,
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 2006,
        'gen_ai.usage.output_tokens': 11,
        'gen_ai.usage.cache_read.input_tokens': 1920,
        'switchyard.cost.usd': '0.0001635',
        'switchyard.cost.source': 'catalog',
      })
      expect(call!.attributes['switchyard.ttft_ms']).toBeGreaterThanOrEqual(0)
    })

    it('keeps the caller\'s other stream options when it asks for usage, and leaves the caller\'s body as it was', async () => {
      server.reply({ sse: chatStream })
      const body = { model: 'gpt-4o-mini', messages, stream: true as const, stream_options: { include_obfuscation: false } }
      await collect(await wrapped.chat.completions.create(body))
      expect(server.requests[0]!.json()).toMatchObject({ stream_options: { include_obfuscation: false, include_usage: true } })
      expect(body.stream_options).toEqual({ include_obfuscation: false })
    })

    it('prices a stream whose host ignores include_usage from its text, with that estimated usage on the span', async () => {
      server.reply({ sse: chatStreamWithoutUsage })
      const text = (await collect(await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })))
        .map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')
      expect(text).toBe('Café ☕ au lait — 日本語 👍🏽')
      const [call] = recorder.calls()
      // Prompt `[{"role":"user","content":"hi"}]` is 32 characters ≈ 8 tokens; the text is 23 code points ≈ 6 tokens:
      // 8 × $0.15 + 6 × $0.6 per million = $4.8 per million
      expect(call!.attributes).toMatchObject({
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 8,
        'gen_ai.usage.output_tokens': 6,
        'switchyard.cost.usd': '0.0000048',
        'switchyard.cost.source': 'estimate',
      })
      expect(call!.status.code).toBe(0)
    })

    it('shows the usage chunk to a caller who asked for it', async () => {
      server.reply({ sse: chatStream }, { sse: chatStream })
      const body = { model: 'gpt-4o-mini', messages, stream: true as const, stream_options: { include_usage: true } }
      const expected = await collect(await plain.chat.completions.create(body))
      const actual = await collect(await wrapped.chat.completions.create(body))
      expect(actual).toEqual(expected)
      expect(actual.at(-1)!.usage?.prompt_tokens).toBe(2006)
    })

    it('keeps tee() and the stream helper working, each call recorded once', async () => {
      server.reply({ sse: chatStream })
      const [left, right] = (await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })).tee()
      const [leftChunks, rightChunks] = await Promise.all([collect(left), collect(right)])
      expect(leftChunks).toEqual(rightChunks)
      expect(leftChunks).toHaveLength(6)

      server.reply({ sse: chatStreamWithoutUsage }, { sse: chatStream })
      const expected = await plain.chat.completions.stream({ model: 'gpt-4o-mini', messages }).finalChatCompletion()
      const actual = await wrapped.chat.completions.stream({ model: 'gpt-4o-mini', messages }).finalChatCompletion()
      expect(actual).toEqual(expected)
      expect(actual.choices[0]!.message.content).toBe('Café ☕ au lait — 日本語 👍🏽')
      expect(recorder.calls().map((span) => span.attributes['switchyard.cost.usd'])).toEqual(['0.0001635', '0.0001635'])
    })

    it('records a cut stream as an error with an estimated cost, and gives the caller what the SDK gives', async () => {
      const cut = { sse: chatStream, cutAfterBytes: byteOffsetOf(chatStream, 'data: {"id":"chatcmpl-BzKA1xYq3vTnW8pLs6Hd2Rf0Gm","object":"chat.completion.chunk","created":1753871530,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_34a54ae93c","choices":[{"index":0,"delta":{"content":" lait') }
      server.reply(cut, cut)
      const expected = await collect(await plain.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } }))
      const actual = await collect(await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } }))
      expect(actual).toEqual(expected)
      expect(actual).toHaveLength(3)
      const [call] = recorder.calls()
      expect(call!.status.code).toBe(2)
      // Prompt `[{"role":"user","content":"hi"}]` is 32 characters ≈ 8 tokens; "Café ☕ au" is 9 code points ≈ 3 tokens:
      // 8 × $0.15 + 3 × $0.6 per million = $3 per million
      expect(call!.attributes).toMatchObject({ 'error.type': 'stream_cut', 'switchyard.cost.usd': '0.000003', 'switchyard.cost.source': 'estimate' })
    })

    it('records a caller who stops reading early as cancelled', async () => {
      server.reply({ sse: chatStream })
      const stream = await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content === 'Café') break
      }
      const [call] = recorder.calls()
      expect(call!.attributes).toMatchObject({ 'error.type': 'cancelled', 'switchyard.cost.source': 'estimate' })
    })
  })

  describe('responses.create', () => {
    it('returns exactly what the unwrapped client returns, plain and streamed, priced from the response usage', async () => {
      server.reply({ body: fixtureJson('openai/responses.json') }, { body: fixtureJson('openai/responses.json') })
      const expected = await plain.responses.create({ model: 'gpt-5-mini', input: 'weather in Paris?', max_output_tokens: 2000 })
      const actual = await wrapped.responses.create({ model: 'gpt-5-mini', input: 'weather in Paris?', max_output_tokens: 2000 })
      expect(actual).toEqual(expected)
      expect(actual.output_text).toBe(expected.output_text)

      const sse = fixture('openai/responses-stream.sse')
      server.reply({ sse }, { sse })
      const expectedEvents = await collect(await plain.responses.create({ model: 'gpt-5-mini', input: 'bonjour', stream: true }))
      const actualEvents = await collect(await wrapped.responses.create({ model: 'gpt-5-mini', input: 'bonjour', stream: true }))
      expect(actualEvents).toEqual(expectedEvents)

      // 167 uncached × $0.25 + 1920 cached × $0.025 + 340 output × $2 per million = $769.75 per million
      const calls = recorder.calls()
      expect(calls.map((span) => [span.name, span.attributes['gen_ai.request.stream'], span.attributes['switchyard.cost.usd']])).toEqual([
        ['chat gpt-5-mini', false, '0.00076975'],
        ['chat gpt-5-mini', true, '0.00076975'],
      ])
      expect(calls[0]!.attributes).toMatchObject({ 'gen_ai.request.max_tokens': 2000, 'gen_ai.usage.reasoning.output_tokens': 320 })
    })

    it('records the responses.stream() helper once, with the same final response as the unwrapped client', async () => {
      const sse = fixture('openai/responses-stream.sse')
      server.reply({ sse }, { sse })
      const expected = await plain.responses.stream({ model: 'gpt-5-mini', input: 'bonjour' }).finalResponse()
      const actual = await wrapped.responses.stream({ model: 'gpt-5-mini', input: 'bonjour' }).finalResponse()
      expect(actual).toEqual(expected)
      // Read from the output items: v5's helper adds no `output_text` to a final response it did not parse.
      expect(messageText(actual)).toBe('Bonjour — ça va? 🙂')
      expect(recorder.calls().map((span) => span.attributes['switchyard.cost.usd'])).toEqual(['0.00076975'])
    })
  })

  describe('embeddings.create', () => {
    it('returns exactly what the unwrapped client returns, with an embeddings span priced on input tokens', async () => {
      server.reply({ body: fixtureJson('wrap/embeddings.json') }, { body: fixtureJson('wrap/embeddings.json') })
      const expected = await plain.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] })
      const actual = await wrapped.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] })
      expect(actual).toEqual(expected)
      expect(actual.data[1]!.embedding).toEqual([-0.25, 0.125, 0.0625, -0.03125])
      const [call] = recorder.calls()
      // 9 input tokens × $0.02 per million
      expect(call!.name).toBe('embeddings text-embedding-3-small')
      expect(call!.attributes).toMatchObject({
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.response.model': 'text-embedding-3-small',
        'gen_ai.usage.input_tokens': 9,
        'switchyard.cost.usd': '0.00000018',
        'switchyard.cost.source': 'catalog',
      })
    })
  })

  describe('budgets', () => {
    it('throws BudgetExceededError before any request is sent when a budget blocks', async () => {
      const gate = testBudgetGate({ block: true })
      const blocked = instrument(newClient(), { budgets: gate })
      const error = await rejection(workflow('support-triage', () => blocked.chat.completions.create({ model: 'gpt-4o-mini', messages })))
      expect(isBudgetExceededError(error)).toBe(true)
      // A refusal is the SDK's own APIPromise, rejected: its helpers behave as for any other error.
      expect(isBudgetExceededError(await rejection(blocked.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse()))).toBe(true)
      expect(isBudgetExceededError(await rejection(blocked.embeddings.create({ model: 'text-embedding-3-small', input: 'a' })))).toBe(true)
      expect(server.requests).toHaveLength(0)
      expect(recorder.calls()).toHaveLength(0)
      expect(gate.queries[0]).toMatchObject({ route: 'openai/gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', scope: { workflow: 'support-triage' } })
      // Each refusal is recorded as the router records its own: a route span with the block, which reports count.
      const refusals = recorder.spans().filter((span) => span.name.startsWith('route '))
      expect(refusals.map((span) => span.name)).toEqual(['route openai/gpt-4o-mini', 'route openai/gpt-4o-mini', 'route openai/text-embedding-3-small'])
      expect(refusals[0]?.attributes).toMatchObject({
        'switchyard.route': 'openai/gpt-4o-mini',
        'gen_ai.workflow.name': 'support-triage',
        'switchyard.budget.name': 'daily-support',
        'switchyard.budget.action': 'block',
      })
      expect(refusals[0]?.status.code).toBe(2)
    })

    it('records an allowing decision on the span and releases it with the exact cost', async () => {
      const gate = testBudgetGate({ block: false })
      const allowed = instrument(newClient(), { budgets: gate })
      server.reply({ body: fixtureJson('openai/chat-completion.json') })
      await allowed.chat.completions.create({ model: 'o4-mini', messages })
      expect(recorder.calls()[0]!.attributes).toMatchObject({
        'switchyard.budget.name': 'daily-support',
        'switchyard.budget.action': 'allow',
        'switchyard.budget.spent_usd': '1.25',
        'switchyard.budget.limit_usd': '5',
      })
      expect(gate.spanIds).toEqual([recorder.calls()[0]!.spanContext().spanId])
      expect(gate.released).toEqual([1_401_400_000n])
    })
  })

  describe('telemetry never breaks the call', () => {
    it('returns the same answers when the span processor throws on every span', async () => {
      const restore = await recorder.breakProcessing()
      try {
        server.reply({ body: fixtureJson('openai/chat-completion.json') }, { sse: chatStream })
        const completion = await wrapped.chat.completions.create({ model: 'o4-mini', messages })
        expect(completion.choices[0]!.message.content).toBe('The capital of France is Paris.')
        const chunks = await collect(await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }))
        expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Café ☕ au lait — 日本語 👍🏽')
        expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false)
      } finally {
        await restore()
      }
    })

    it('still answers, and still ends the span, when pricing throws', async () => {
      const brokenTable = { entries: [], unknownModelWarnings: createPriceTable().unknownModelWarnings, find: () => { throw new Error('price table exploded') } }
      const client = instrument(newClient(), { priceTable: brokenTable })
      server.reply({ body: fixtureJson('openai/chat-completion.json') }, { sse: chatStream })
      const completion = await client.chat.completions.create({ model: 'o4-mini', messages })
      expect(completion.id).toBe('chatcmpl-BzK8v2qTnQ4hXw7LmR3aP9sD1fGy')
      expect(await collect(await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }))).toHaveLength(6)
      expect(recorder.calls()).toHaveLength(2)
      expect(recorder.calls().every((span) => span.attributes['switchyard.cost.usd'] === undefined)).toBe(true)
    })

    it('instruments a client once however often instrument() is called, and refuses what is not an SDK client', async () => {
      const client = newClient()
      expect(instrument(instrument(client))).toBe(client)
      server.reply({ body: fixtureJson('openai/chat-completion.json') })
      await client.chat.completions.create({ model: 'o4-mini', messages })
      expect(recorder.calls()).toHaveLength(1)
      expect(() => instrument({ chat: {} })).toThrow(/neither an `openai` client/)
    })
  })
})

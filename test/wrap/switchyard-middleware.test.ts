import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, streamText, wrapLanguageModel, type LanguageModel } from 'ai'
import { describe, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { switchyardMiddleware } from '../../src/wrap/switchyard-middleware.js'
import { fixture, fixtureJson, rejection, type ProviderServer } from '../helpers/provider-server.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'
import { testBudgetGate } from './test-budget-gate.js'

let recorder: SpanRecorder
let server: ProviderServer

function models(modelId: string, middleware = switchyardMiddleware({ provider: 'openai', baseURL: `${server.url}/v1`, tags: { team: 'support' } })): { plain: LanguageModel; wrapped: LanguageModel } {
  const provider = createOpenAICompatible({ name: 'loopback', baseURL: `${server.url}/v1`, apiKey: 'sk-ai-sdk-SECRET', includeUsage: true })
  return { plain: provider(modelId), wrapped: wrapLanguageModel({ model: provider(modelId), middleware }) }
}

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
})

describe('switchyardMiddleware with the AI SDK', () => {
  it('gives generateText the same result and one priced span in the workflow and step', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion.json') }, { body: fixtureJson('openai/chat-completion.json') })
    const { plain, wrapped } = models('o4-mini')
    const expected = await generateText({ model: plain, prompt: 'hi', maxRetries: 0 })
    const actual = await workflow('support-triage', () => step('plan', () => generateText({ model: wrapped, prompt: 'hi', maxRetries: 0 })))
    expect(actual.text).toBe(expected.text)
    expect(actual.usage).toEqual(expected.usage)
    expect(actual.finishReason).toBe(expected.finishReason)
    expect(actual.response.id).toBe(expected.response.id)

    const [call] = recorder.calls()
    expect(recorder.calls()).toHaveLength(1)
    expect(call!.name).toBe('chat o4-mini')
    expect(call!.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.stream': false,
      'gen_ai.response.model': 'o4-mini-2025-04-16',
      'gen_ai.response.id': 'chatcmpl-BzK8v2qTnQ4hXw7LmR3aP9sD1fGy',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 1290,
      'gen_ai.usage.output_tokens': 212,
      'gen_ai.usage.cache_read.input_tokens': 1152,
      'gen_ai.usage.reasoning.output_tokens': 192,
      'gen_ai.workflow.name': 'support-triage',
      'switchyard.step': 'plan',
      'switchyard.tag.team': 'support',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'switchyard.cost.usd': '0.0014014',
      'switchyard.cost.source': 'catalog',
    })
  })

  it('gives streamText the same text and usage, and prices the stream from its usage chunk', async () => {
    server.reply({ sse: fixture('openai/chat-stream.sse') }, { sse: fixture('openai/chat-stream.sse') })
    const { plain, wrapped } = models('gpt-4o-mini')
    const expected = streamText({ model: plain, prompt: 'hi', maxRetries: 0 })
    const expectedText = await expected.text
    const actual = streamText({ model: wrapped, prompt: 'hi', maxRetries: 0 })
    const chunks: string[] = []
    for await (const text of actual.textStream) chunks.push(text)
    expect(chunks.join('')).toBe(expectedText)
    expect(await actual.usage).toEqual(await expected.usage)

    const [call] = recorder.calls()
    expect(call!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 2006,
      'gen_ai.usage.output_tokens': 11,
      'switchyard.cost.usd': '0.0001635',
      'switchyard.cost.source': 'catalog',
    })
    expect(call!.attributes['switchyard.ttft_ms']).toBeGreaterThanOrEqual(0)
  })

  it('refuses a call a budget blocks before the model sends anything', async () => {
    const { wrapped } = models('gpt-4o-mini', switchyardMiddleware({ provider: 'openai', budgets: testBudgetGate({ block: true }) }))
    const error = await rejection(generateText({ model: wrapped, prompt: 'hi', maxRetries: 0 }))
    expect(isBudgetExceededError(error)).toBe(true)
    expect(server.requests).toHaveLength(0)
    expect(recorder.calls()).toHaveLength(0)
  })

  it('names the provider after the AI SDK provider id when not told', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion.json') })
    const { wrapped } = models('o4-mini', switchyardMiddleware())
    await generateText({ model: wrapped, prompt: 'hi', maxRetries: 0 })
    // The catalog has no 'loopback' provider: its call counts at the dearest price of any provider, never at 0.
    expect(recorder.calls()[0]!.attributes).toMatchObject({ 'gen_ai.provider.name': 'loopback', 'switchyard.cost.source': 'estimate', 'switchyard.price.version': 'unknown_model:most_expensive:any' })
  })
})

import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isEmbeddingInputError } from '../../src/providers/embedding-input-error.js'
import { isEmbeddingsUnsupportedError } from '../../src/providers/embeddings-unsupported-error.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { AllTargetsFailedError, UnknownRouteError } from '../../src/router/router-errors.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

const exporter = new InMemorySpanExporter()
const openaiKey = 'sk-embed-router-SECRET-42'
let telemetry: Telemetry
let openaiServer: ProviderServer
let geminiServer: ProviderServer
let router: Router

const fastRetry = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 }

beforeAll(async () => {
  telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  openaiServer = await startProviderServer()
  geminiServer = await startProviderServer()
  router = createRouter({
    providers: {
      openai: { type: 'openai', apiKey: openaiKey, baseURL: `${openaiServer.url}/v1` },
      gemini: { type: 'gemini', apiKey: 'AIza-router-SECRET', baseURL: geminiServer.url },
      claude: { type: 'anthropic', apiKey: 'sk-ant-unused', baseURL: openaiServer.url },
      sim: { type: 'simulated', seed: 11, providerName: 'openai', latencyMs: { medianMs: 1, p95Ms: 2 }, timeToFirstTokenMs: { medianMs: 1, p95Ms: 2 } },
    },
    routes: {
      embed: { targets: [{ provider: 'openai', model: 'text-embedding-3-small' }], retry: fastRetry },
      once: { targets: [{ provider: 'openai', model: 'text-embedding-3-small' }], retry: { ...fastRetry, attempts: 3 } },
      resilient: { strategy: 'fallback', targets: [{ provider: 'openai', model: 'text-embedding-3-small' }, { provider: 'gemini', model: 'gemini-embedding-001' }], retry: fastRetry },
      anthropicOnly: { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
      mixed: { strategy: 'fallback', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }, { provider: 'openai', model: 'text-embedding-3-small' }] },
      simulated: { targets: [{ provider: 'sim', model: 'text-embedding-3-large' }] },
      hedged: { targets: [{ provider: 'openai', model: 'text-embedding-3-small' }, { provider: 'gemini', model: 'gemini-embedding-001' }], hedge: { enabled: true, delayMs: 50 } },
    },
  })
})
afterAll(async () => {
  await router.close()
  await openaiServer.close()
  await geminiServer.close()
  await telemetry.shutdown()
})
beforeEach(() => {
  exporter.reset()
  openaiServer.reset()
  geminiServer.reset()
})

function spansNamed(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === name)
}

function byAttempt(spans: ReadableSpan[]): ReadableSpan[] {
  return [...spans].sort((a, b) => Number(a.attributes['switchyard.attempt']) - Number(b.attributes['switchyard.attempt']))
}

const openaiAnswer = (vectors: number[][], promptTokens: number) => ({
  object: 'list',
  data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
})

describe('router.embed', () => {
  it('embeds through a route inside a workflow and a step: vectors by index, exact cost, one embeddings span with every attribute', async () => {
    openaiServer.reply({ body: fixtureJson('openai/embeddings.json') })
    const result = await workflow('indexing', { tags: { tenant: 'acme' } }, () =>
      step('embed-chunks', () => router.embed({ route: 'embed', input: ['first text', 'second text'], dimensions: 4, tags: { feature: 'search' } })))
    expect(result).toEqual({
      embeddings: [[-0.0062, 0.0315, -0.0198, 0.0541], [0.0231, -0.0112, 0.0457, 0.0089]],
      usage: { inputTokens: 12 },
      // 12 × $0.02/M
      costUsd: '0.00000024',
      costSource: 'catalog',
      provider: 'openai',
      model: 'text-embedding-3-small',
      route: 'embed',
      attempts: [expect.objectContaining({ attempt: 1, provider: 'openai', model: 'text-embedding-3-small', outcome: 'success', costUsd: '0.00000024' })],
    })
    expect(openaiServer.lastRequest().json()).toEqual({ model: 'text-embedding-3-small', input: ['first text', 'second text'], encoding_format: 'float', dimensions: 4 })

    const [routeSpan] = spansNamed('route embed')
    const [call] = spansNamed('embeddings text-embedding-3-small')
    expect(call!.kind).toBe(2)
    expect(call!.parentSpanContext?.spanId).toBe(routeSpan!.spanContext().spanId)
    expect(call!.attributes).toEqual({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.response.model': 'text-embedding-3-small',
      'gen_ai.embeddings.dimension.count': 4,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.workflow.name': 'indexing',
      'server.address': '127.0.0.1',
      'server.port': openaiServer.port,
      'switchyard.step': 'embed-chunks',
      'switchyard.route': 'embed',
      'switchyard.attempt': 1,
      'switchyard.cost.usd': '0.00000024',
      'switchyard.cost.source': 'catalog',
      'switchyard.price.version': 'openai/text-embedding-3-small@2024-01-25',
      'switchyard.tag.tenant': 'acme',
      'switchyard.tag.feature': 'search',
      'switchyard.workflow.run_id': expect.any(String),
    })
    expect(JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes))).not.toContain(openaiKey)
  })

  it('prices Gemini, which reports no usage, from estimated tokens with source estimate', async () => {
    geminiServer.reply({ body: fixtureJson('gemini/embed-content.json') })
    const result = await router.embed({ model: 'gemini/gemini-embedding-001', input: ['What is the meaning of life?'] })
    // 28 characters → 7 tokens × $0.15/M
    expect(result).toMatchObject({ usage: { inputTokens: 7 }, costUsd: '0.00000105', costSource: 'estimate', provider: 'gemini', model: 'gemini-embedding-001' })
    expect(geminiServer.lastRequest().url).toBe('/v1beta/models/gemini-embedding-001:embedContent')
    const [call] = spansNamed('embeddings gemini-embedding-001')
    expect(call!.attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.usage.input_tokens': 7, 'switchyard.cost.source': 'estimate', 'switchyard.cost.usd': '0.00000105' })
  })

  it('retries a 429 on the same target and answers from the second call', async () => {
    openaiServer.reply(
      { status: 429, headers: { 'retry-after-ms': '5' }, body: fixtureJson('openai/error-rate-limit.json') },
      { body: openaiAnswer([[1, 0]], 3) },
    )
    const result = await router.embed({ route: 'embed', input: ['retry me'] })
    expect(openaiServer.requests).toHaveLength(2)
    expect(result.attempts.map((attempt) => [attempt.outcome, attempt.errorCode])).toEqual([['error', 'rate_limit'], ['success', undefined]])
    const [failed, succeeded] = byAttempt(spansNamed('embeddings text-embedding-3-small'))
    expect(failed!.attributes).toMatchObject({ 'switchyard.attempt': 1, 'error.type': 'rate_limit' })
    expect(failed!.attributes['switchyard.cost.usd']).toBeUndefined()
    expect(succeeded!.attributes).toMatchObject({ 'switchyard.attempt': 2, 'switchyard.cost.usd': '0.00000006' })
  })

  it('bills a failed attempt for the batches it had answered, then retries the whole request', async () => {
    const vectors = (count: number) => Array.from({ length: count }, () => [0.5, 0.5])
    openaiServer.reply(
      { body: openaiAnswer(vectors(512), 700) },
      { status: 500, body: fixtureJson('openai/error-server.json') },
      { body: openaiAnswer(vectors(512), 700) },
      { body: openaiAnswer(vectors(88), 100) },
    )
    const result = await router.embed({ route: 'embed', input: Array.from({ length: 600 }, (_, index) => `passage ${index}`) })
    expect(openaiServer.requests).toHaveLength(4)
    expect(result.embeddings).toHaveLength(600)
    // 700 tokens × $0.02/M for the failed attempt's answered batch; 800 for the winner.
    expect(result.attempts.map((attempt) => [attempt.outcome, attempt.costUsd])).toEqual([['error', '0.000014'], ['success', '0.000016']])
    const [failed] = byAttempt(spansNamed('embeddings text-embedding-3-small'))
    expect(failed!.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 700, 'switchyard.cost.usd': '0.000014', 'switchyard.cost.source': 'estimate' })
  })

  it('does not retry a 400: every target failed after one call', async () => {
    openaiServer.reply({ status: 400, body: { error: { message: "'$.input' is invalid.", type: 'invalid_request_error', param: null, code: null } } })
    const error = await rejection(router.embed({ route: 'once', input: ['bad for the provider'] }))
    expect(AllTargetsFailedError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'all_targets_failed', route: 'once', attempts: [expect.objectContaining({ errorCode: 'bad_request' })] })
    expect(openaiServer.requests).toHaveLength(1)
  })

  it('falls back from a failing OpenAI target to Gemini, with a span per attempt under the route span', async () => {
    openaiServer.reply({ status: 500, body: fixtureJson('openai/error-server.json') }, { status: 503, body: fixtureJson('openai/error-overloaded.json') })
    geminiServer.reply({ body: fixtureJson('gemini/batch-embed-contents.json') })
    const result = await router.embed({ route: 'resilient', input: ['one', 'two', 'three'] })
    expect(result.provider).toBe('gemini')
    expect(result.embeddings).toHaveLength(3)
    expect(result.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual(['openai:error', 'openai:error', 'gemini:success'])
    const [routeSpan] = spansNamed('route resilient')
    const calls = byAttempt([...spansNamed('embeddings text-embedding-3-small'), ...spansNamed('embeddings gemini-embedding-001')])
    expect(calls.map((span) => [span.name, span.attributes['switchyard.attempt'], span.status.code])).toEqual([
      ['embeddings text-embedding-3-small', 1, 2],
      ['embeddings text-embedding-3-small', 2, 2],
      ['embeddings gemini-embedding-001', 3, 0],
    ])
    for (const call of calls) expect(call.parentSpanContext?.spanId).toBe(routeSpan!.spanContext().spanId)
    // 'one', 'two', 'three': 1 + 1 + 2 estimated tokens × $0.15/M
    expect(result).toMatchObject({ usage: { inputTokens: 4 }, costUsd: '0.0000006', costSource: 'estimate' })
  })

  it('throws AllTargetsFailedError with every attempt when all targets fail', async () => {
    openaiServer.reply({ status: 500, body: fixtureJson('openai/error-server.json') }, { status: 500, body: fixtureJson('openai/error-server.json') })
    geminiServer.reply({ status: 500, body: fixtureJson('gemini/error-internal.json') }, { status: 500, body: fixtureJson('gemini/error-internal.json') })
    const error = await rejection(router.embed({ route: 'resilient', input: ['doomed'] }))
    expect(AllTargetsFailedError.isInstance(error)).toBe(true)
    expect((error as AllTargetsFailedError).attempts.map((attempt) => attempt.provider)).toEqual(['openai', 'openai', 'gemini', 'gemini'])
  })

  it('refuses a route whose only provider has no embeddings API, naming it, before any call', async () => {
    const error = await rejection(router.embed({ route: 'anthropicOnly', input: ['hello'] }))
    expect(isEmbeddingsUnsupportedError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'embeddings_unsupported', providers: ['anthropic'], targets: ['claude/claude-sonnet-4-5'] })
    expect((error as Error).message).toContain('anthropic has no embeddings API')
    expect(openaiServer.requests).toHaveLength(0)
  })

  it('skips a target without embeddings and answers from the next one', async () => {
    openaiServer.reply({ body: openaiAnswer([[0.5, 0.5]], 2) })
    const result = await router.embed({ route: 'mixed', input: ['hi'] })
    expect(result).toMatchObject({ provider: 'openai', attempts: [expect.objectContaining({ attempt: 1, provider: 'openai' })] })
    const [routeSpan] = spansNamed('route mixed')
    expect(routeSpan!.attributes['switchyard.route.skipped']).toEqual(['claude/claude-sonnet-4-5:unsupported-request:anthropic has no embeddings API'])
  })

  it('throws UnknownRouteError for a route that is not configured', async () => {
    expect(UnknownRouteError.isInstance(await rejection(router.embed({ route: 'nowhere', input: ['x'] })))).toBe(true)
  })

  it('refuses bad input before any call or span, naming input[3]', async () => {
    const error = await rejection(router.embed({ route: 'embed', input: ['a', 'b', 'c', ''] }))
    expect(isEmbeddingInputError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'request_invalid', field: 'input[3]' })
    expect(openaiServer.requests).toHaveLength(0)
    expect(exporter.getFinishedSpans()).toHaveLength(0)
  })

  it('routes to the simulated provider: deterministic vectors, priced on its simulated token count', async () => {
    const first = await router.embed({ route: 'simulated', input: ['a sentence to embed'], dimensions: 16 })
    const second = await router.embed({ route: 'simulated', input: ['a sentence to embed'], dimensions: 16 })
    expect(first.embeddings).toEqual(second.embeddings)
    expect(first.embeddings[0]).toHaveLength(16)
    // 19 characters → 5 tokens × $0.13/M
    expect(first).toMatchObject({ usage: { inputTokens: 5 }, costUsd: '0.00000065', costSource: 'catalog' })
  })

  it('hedges a slow target like chat: the second target answers first and the first is cancelled, both spanned', async () => {
    openaiServer.reply({ delayMs: 2_000, body: openaiAnswer([[1, 0]], 2) })
    geminiServer.reply({ body: fixtureJson('gemini/embed-content.json') })
    const result = await router.embed({ route: 'hedged', input: ['hedge me'] })
    expect(result.provider).toBe('gemini')
    // The loser's cancellation lands just after the winner returns: wait for its span, a bounded number of turns.
    for (let turn = 0; turn < 100 && spansNamed('embeddings text-embedding-3-small').length === 0; turn += 1) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.outcome, attempt.hedge])).toEqual([['gemini', 'success', true], ['openai', 'cancelled', false]])
    const [slow] = spansNamed('embeddings text-embedding-3-small')
    const [hedge] = spansNamed('embeddings gemini-embedding-001')
    expect(slow!.attributes['error.type']).toBe('cancelled')
    expect(hedge!.attributes).toMatchObject({ 'switchyard.hedge': true, 'switchyard.attempt': 2 })
  })

  it('cancels with the caller: an aborted request is RequestAbortedError, its attempt cancelled', async () => {
    openaiServer.reply({ delayMs: 2_000, body: openaiAnswer([[1]], 1) })
    const controller = new AbortController()
    const pending = router.embed({ route: 'embed', input: ['slow'], signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    const error = await rejection(pending)
    expect(error).toMatchObject({ code: 'request_aborted' })
  })
})

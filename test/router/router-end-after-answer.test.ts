import { hrTimeToMilliseconds } from '@opentelemetry/core'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('router-end-after-answer')
const exporter = new InMemorySpanExporter()
let collector: Collector
let telemetry: Telemetry
const routers: Router[] = []

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
  telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
})
afterAll(async () => {
  await Promise.all(routers.map((router) => router.close()))
  await telemetry?.shutdown()
  await collector?.close()
  directory.remove()
})
beforeEach(() => {
  exporter.reset()
})

const quick = { medianMs: 2, p95Ms: 5 }
const messages = [{ role: 'user' as const, content: 'Summarize the ticket.' }]

function routerWith(endAfterAnswer: boolean | undefined): Router {
  const router = createRouter({
    providers: { openai: { type: 'simulated', seed: 3, providerName: 'openai', latencyMs: quick, timeToFirstTokenMs: quick, outputTokens: { min: 20, max: 30 } } },
    routes: { triage: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] } },
    budgets: [{ name: 'everything', window: '1h', limitUsd: 1_000 }],
  }, { spendSource: createSpendSource({ store: collector.store }), endAfterAnswer })
  routers.push(router)
  return router
}

function routeAndChatSpans(): { route?: ReadableSpan; chat?: ReadableSpan } {
  const spans = exporter.getFinishedSpans()
  return { route: spans.find((span) => span.name === 'route triage'), chat: spans.find((span) => span.name === 'chat gpt-4.1-mini') }
}

/** Polls (bounded to 2 s) until the route and chat spans are both finished. */
async function bothSpansEnded(): Promise<{ route: ReadableSpan; chat: ReadableSpan }> {
  const deadline = Date.now() + 2_000
  while (Date.now() < deadline) {
    const { route, chat } = routeAndChatSpans()
    if (route !== undefined && chat !== undefined) return { route, chat }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  throw new Error('the route and chat spans were not ended within 2 s')
}

describe('a router whose requests end after the answer (endAfterAnswer, as the gateway runs it)', () => {
  it('hands back the answer with its cost before the spans end and the budget settles, then records both spans with the request end time', async () => {
    const router = routerWith(true)
    await router.ready()
    const calledAt = Date.now()
    const result = await router.chat({ route: 'triage', messages, maxTokens: 40 })
    const resolvedAt = Date.now()
    expect(result.costUsd).toMatch(/^0\.\d+$/)
    expect(routeAndChatSpans()).toEqual({ route: undefined, chat: undefined })
    expect(router.budgets?.stats().activeReservations).toBe(1)

    const { route, chat } = await bothSpansEnded()
    expect(chat.parentSpanContext?.spanId).toBe(route.spanContext().spanId)
    expect(chat.attributes).toMatchObject({ 'switchyard.cost.usd': result.costUsd, 'switchyard.route': 'triage', 'switchyard.attempt': 1, 'gen_ai.usage.output_tokens': result.usage.outputTokens })
    expect(route.attributes).toMatchObject({ 'switchyard.route': 'triage', 'switchyard.budget.name': 'everything', 'switchyard.budget.action': 'allow' })
    // Ended when the answer was ready, not when recorded: both end times are at or before the caller got the answer.
    expect(hrTimeToMilliseconds(chat.endTime)).toBeLessThanOrEqual(resolvedAt + 1)
    expect(hrTimeToMilliseconds(route.endTime)).toBeLessThanOrEqual(resolvedAt + 1)
    // The chat span starts after its request was sent, with the time the attempt began: inside the call, lasting the provider's answer.
    expect(hrTimeToMilliseconds(chat.startTime)).toBeGreaterThanOrEqual(calledAt - 1)
    expect(hrTimeToMilliseconds(chat.duration)).toBeGreaterThan(0)
    // The route span holds its attempt (each span's clock is anchored to Date.now() at its start, so compare durations).
    expect(hrTimeToMilliseconds(route.duration)).toBeGreaterThanOrEqual(hrTimeToMilliseconds(chat.duration))
    expect(router.budgets?.stats().activeReservations).toBe(0)
  })

  it('records every pending end when the router closes, without waiting for the batch', async () => {
    const router = routerWith(true)
    await router.ready()
    await Promise.all([1, 2, 3].map(() => router.chat({ route: 'triage', messages, maxTokens: 40 })))
    expect(exporter.getFinishedSpans().filter((span) => span.name === 'route triage')).toHaveLength(0)
    await router.close()
    const spans = exporter.getFinishedSpans()
    expect(spans.filter((span) => span.name === 'route triage')).toHaveLength(3)
    expect(spans.filter((span) => span.name === 'chat gpt-4.1-mini')).toHaveLength(3)
    expect(router.budgets?.stats().activeReservations).toBe(0)
  })

  it('by default (a library caller) ends both spans and settles before chat() resolves', async () => {
    const router = routerWith(undefined)
    await router.ready()
    await router.chat({ route: 'triage', messages, maxTokens: 40 })
    const { route, chat } = routeAndChatSpans()
    expect(route).toBeDefined()
    expect(chat).toBeDefined()
    expect(router.budgets?.stats().activeReservations).toBe(0)
  })

  it('ends a stream the same way: its answer first, then both spans', async () => {
    const router = routerWith(true)
    await router.ready()
    const stream = router.stream({ route: 'triage', messages, maxTokens: 40 })
    let text = ''
    for await (const chunk of stream) if (chunk.type === 'text-delta') text += chunk.text
    const result = await stream.result
    expect(result.text).toBe(text)
    expect(routeAndChatSpans()).toEqual({ route: undefined, chat: undefined })
    const { chat } = await bothSpansEnded()
    expect(chat.attributes).toMatchObject({ 'switchyard.cost.usd': result.costUsd, 'gen_ai.request.stream': true })
  })
})

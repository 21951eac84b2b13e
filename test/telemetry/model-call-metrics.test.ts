import { metrics } from '@opentelemetry/api'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { afterAll, describe, expect, it } from 'vitest'
import { createRouter } from '../../src/router/create-router.js'

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
const provider = new MeterProvider({ readers: [reader] })

afterAll(async () => {
  await provider.shutdown()
  metrics.disable()
})

describe('GenAI client metrics', () => {
  it('records operation duration and token usage histograms with the conventions buckets, and a cost counter', async () => {
    const zero = { medianMs: 0, p95Ms: 0 }
    const router = createRouter({
      providers: { openai: { type: 'simulated', seed: 4, providerName: 'openai', latencyMs: zero, timeToFirstTokenMs: zero } },
      routes: { r: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] } },
    })
    await router.chat({ route: 'r', messages: [{ role: 'user', content: 'before the SDK' }] })
    metrics.setGlobalMeterProvider(provider)
    const result = await router.chat({ route: 'r', messages: [{ role: 'user', content: 'hello' }] })
    await router.close()
    await reader.forceFlush()
    const collected = exporter.getMetrics().flatMap((resource) => resource.scopeMetrics).flatMap((scope) => scope.metrics)
    const byName = new Map(collected.map((metric) => [metric.descriptor.name, metric]))
    const duration = byName.get('gen_ai.client.operation.duration')
    expect(duration?.descriptor.unit).toBe('s')
    const durationPoint = duration?.dataPoints[0] as { value: { count: number; buckets: { boundaries: number[] } }; attributes: Record<string, unknown> }
    expect(durationPoint.value.count).toBe(1)
    expect(durationPoint.value.buckets.boundaries.slice(0, 3)).toEqual([0.01, 0.02, 0.04])
    expect(durationPoint.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4.1-mini' })
    const tokens = byName.get('gen_ai.client.token.usage')?.dataPoints as { value: { sum: number }; attributes: Record<string, unknown> }[]
    expect(tokens.find((point) => point.attributes['gen_ai.token.type'] === 'input')?.value.sum).toBe(result.usage.inputTokens)
    expect(tokens.find((point) => point.attributes['gen_ai.token.type'] === 'output')?.value.sum).toBe(result.usage.outputTokens)
    const cost = byName.get('switchyard.client.cost')?.dataPoints[0] as { value: number }
    expect(cost.value).toBeCloseTo(Number(result.costUsd), 12)
  })
})

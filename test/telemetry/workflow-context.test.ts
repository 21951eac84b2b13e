import { context, propagation, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import { currentScope, step, workflow } from '../../src/telemetry/workflow-context.js'

describe('workflow and step context without any OpenTelemetry SDK', () => {
  it('survives await, timers, Promise.all and nesting', async () => {
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false)
    const seen = await workflow('triage', { tags: { tenant: 'acme' } }, async () => {
      const runId = currentScope().workflowRunId
      await new Promise((resolve) => setTimeout(resolve, 5))
      const parallel = await Promise.all(['a', 'b'].map((name) => step(name, async () => {
        await new Promise((resolve) => setImmediate(resolve))
        return `${currentScope().workflow}/${currentScope().step}/${currentScope().tags.tenant}/${currentScope().workflowRunId === runId}`
      })))
      const nested = await step('outer', () => workflow('inner', () => currentScope().workflow))
      return { parallel, nested, after: currentScope().step }
    })
    expect(seen).toEqual({ parallel: ['triage/a/acme/true', 'triage/b/acme/true'], nested: 'inner', after: undefined })
    expect(currentScope().workflow).toBeUndefined()
  })
})

describe('workflow and step spans with the SDK', () => {
  const exporter = new InMemorySpanExporter()
  let telemetry: Telemetry

  beforeAll(() => {
    telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  })
  afterAll(() => telemetry.shutdown())
  beforeEach(() => exporter.reset())

  it('nests step spans under the workflow span as INTERNAL spans in one trace', async () => {
    await workflow('support-triage', async () => {
      await step('classify', async () => {})
      await step('plan', async () => {})
    })
    const spans = exporter.getFinishedSpans()
    const root = spans.find((span) => span.name === 'invoke_workflow support-triage')
    expect(root?.kind).toBe(0)
    expect(root?.attributes['gen_ai.workflow.name']).toBe('support-triage')
    const steps = spans.filter((span) => span.name.startsWith('step '))
    expect(steps.map((span) => span.name)).toEqual(['step classify', 'step plan'])
    for (const stepSpan of steps) {
      expect(stepSpan.parentSpanContext?.spanId).toBe(root?.spanContext().spanId)
      expect(stepSpan.spanContext().traceId).toBe(root?.spanContext().traceId)
      expect(stepSpan.attributes['gen_ai.workflow.name']).toBe('support-triage')
    }
  })

  it('marks the span as an error when the function throws, and rethrows', async () => {
    await expect(workflow('failing', () => step('boom', async () => { throw new Error('nope') }))).rejects.toThrow('nope')
    const failed = exporter.getFinishedSpans().find((span) => span.name === 'step boom')
    expect(failed?.status.code).toBe(2)
  })

  it('puts workflow, step and tags in baggage so they cross service boundaries', async () => {
    const carrier: Record<string, string> = {}
    await workflow('billing', { tags: { tenant: 'acme' } }, () => step('charge', () => {
      propagation.inject(context.active(), carrier)
    }))
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    const received = propagation.extract(context.active(), carrier)
    const scope = context.with(received, () => currentScope())
    expect(scope.workflow).toBe('billing')
    expect(scope.step).toBe('charge')
    expect(scope.tags).toEqual({ tenant: 'acme' })
  })
})

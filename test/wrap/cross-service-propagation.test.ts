import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { context, propagation } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { startSpanRecorder, type SpanRecorder } from './span-recorder.js'

/** A span as OTLP/JSON carries it, reading only what the test checks. */
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }[]
}

interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[]
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url))
const servicePath = fileURLToPath(new URL('../fixtures/wrap/propagation-service.ts', import.meta.url))

let recorder: SpanRecorder
let provider: ProviderServer
let collector: Server
const exports: OtlpExport[] = []
let child: ChildProcess
let childUrl: string

/** A minimal OTLP/HTTP JSON receiver on loopback: it keeps every export it is sent. */
async function startCollector(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.url === '/v1/traces') exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport)
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function startChild(providerUrl: string, otlpUrl: string): Promise<string> {
  child = spawn(process.execPath, ['--import', 'tsx', servicePath, providerUrl, otlpUrl], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  const lines = createInterface({ input: child.stdout! })
  const exited = once(child, 'exit').then(([code]) => { throw new Error(`the second service exited with ${String(code)}: ${stderr}`) })
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string]
  return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`
}

function attributesOf(attributes: OtlpSpan['attributes']): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue]))
}

beforeAll(async () => {
  recorder = startSpanRecorder()
  provider = await startProviderServer()
  const started = await startCollector()
  collector = started.server
  childUrl = await startChild(provider.url, started.url)
}, 30_000)

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
  collector?.closeAllConnections()
  await new Promise((resolve) => collector?.close(resolve))
  await provider?.close()
  await recorder?.shutdown()
})

describe('one workflow across two services', () => {
  it("puts the second service's model call under the caller's workflow, step, run id, tags and trace", async () => {
    provider.reply({ body: fixtureJson('openai/chat-completion.json') })
    const answer = await workflow('support-triage', { tags: { tenant: 'acme', feature: 'escalation' } }, () =>
      step('delegate', async () => {
        // What any OpenTelemetry-instrumented HTTP client does: inject the active context.
        const headers: Record<string, string> = {}
        propagation.inject(context.active(), headers)
        const response = await fetch(childUrl, { method: 'POST', headers })
        return (await response.json()) as { text: string; traceparent?: string; baggage?: string }
      }))
    expect(answer.text).toBe('The capital of France is Paris.')

    const workflowSpan = recorder.spans().find((span) => span.name === 'invoke_workflow support-triage')!
    const stepSpan = recorder.spans().find((span) => span.name === 'step delegate')!
    const runId = workflowSpan.attributes['switchyard.workflow.run_id']
    expect(answer.traceparent).toBe(`00-${stepSpan.spanContext().traceId}-${stepSpan.spanContext().spanId}-01`)
    expect(decodeURIComponent(answer.baggage ?? '')).toContain(`switchyard.workflow.run_id=${String(runId)}`)

    const resourceSpans = exports.flatMap((batch) => batch.resourceSpans)
    const modelCalls = resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ span, resource: attributesOf(resource.resource.attributes) }))))
      .filter(({ span }) => span.name === 'chat o4-mini')
    expect(modelCalls).toHaveLength(1)
    const [{ span, resource }] = modelCalls as [{ span: OtlpSpan; resource: Record<string, unknown> }]
    expect(resource['service.name']).toBe('downstream-agent')
    expect(span.kind).toBe(3) // OTLP SPAN_KIND_CLIENT
    expect(span.traceId).toBe(workflowSpan.spanContext().traceId)
    expect(span.parentSpanId).toBe(stepSpan.spanContext().spanId)
    expect(attributesOf(span.attributes)).toMatchObject({
      'gen_ai.workflow.name': 'support-triage',
      'switchyard.step': 'delegate',
      'switchyard.workflow.run_id': runId,
      'switchyard.tag.tenant': 'acme',
      'switchyard.tag.feature': 'escalation',
      'switchyard.cost.usd': '0.0014014',
    })
  })
})

import { randomBytes } from 'node:crypto'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig, upstreamKey } from './start-test-gateway.js'

let upstream: ProviderServer
let gateway: Gateway
const directory = makeTempDirectory('gateway-spans')
const teamKey = createVirtualKey()

beforeAll(async () => {
  upstream = await startProviderServer()
  const config = testConfig(upstream.url, { gateway: { keys: [{ name: 'team-a', hash: teamKey.hash, tags: { team: 'a' } }] } })
  gateway = await startTestGateway(directory.path, { config })
}, 60_000)

afterEach(() => upstream.reset())

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

interface StoredSpan {
  SpanId: string
  ParentSpanId: string
  SpanName: string
  SpanKind: string
  SpanAttributes: Record<string, string>
}

/** The spans of a trace once `count` of them are stored (bounded wait: 20 s). */
async function spansOfTrace(traceId: string, count: number): Promise<StoredSpan[]> {
  for (let round = 0; round < 200; round += 1) {
    const result = await gateway.store.client.query({
      query: 'SELECT SpanId, ParentSpanId, SpanName, SpanKind, SpanAttributes FROM otel_traces WHERE TraceId = {traceId:String}',
      query_params: { traceId },
      format: 'JSONEachRow',
    })
    const spans = await result.json<StoredSpan>()
    if (spans.length >= count) return spans
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`fewer than ${count} spans of trace ${traceId} were stored`)
}

async function callRowOfTrace(traceId: string): Promise<Record<string, unknown>> {
  await spansOfTrace(traceId, 2)
  const result = await gateway.store.client.query({
    query: 'SELECT Workflow, WorkflowRunId, Step, Route, Provider, Tags FROM llm_calls WHERE TraceId = {traceId:String}',
    query_params: { traceId },
    format: 'JSONEachRow',
  })
  const rows = await result.json<Record<string, unknown>>()
  expect(rows).toHaveLength(1)
  return rows[0]!
}

function traceparent(): { header: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString('hex')
  const parentId = randomBytes(8).toString('hex')
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId }
}

describe('spans of gateway requests', () => {
  it('stores a SERVER span in the caller\'s trace, with the chat span below it and no key anywhere', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    const trace = traceparent()
    const client = new OpenAI({ apiKey: teamKey.key, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: { traceparent: trace.header } })
    await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
    const spans = await spansOfTrace(trace.traceId, 2)
    const server = spans.find((span) => span.SpanKind === 'Server')!
    const chat = spans.find((span) => span.SpanName.startsWith('chat '))!
    expect(server.SpanName).toBe('POST /v1/chat/completions')
    expect(server.ParentSpanId).toBe(trace.parentId)
    expect(server.SpanAttributes).toMatchObject({ 'http.request.method': 'POST', 'url.path': '/v1/chat/completions', 'http.response.status_code': '200', 'server.address': '127.0.0.1', 'server.port': String(gateway.port) })
    expect(server.SpanAttributes['client.address']).toMatch(/127\.0\.0\.1/)
    // The chat span hangs under the server span (through the route span when there is one).
    const byId = new Map(spans.map((span) => [span.SpanId, span]))
    let ancestor = byId.get(chat.ParentSpanId)
    for (let depth = 0; depth < 4 && ancestor !== undefined && ancestor !== server; depth += 1) ancestor = byId.get(ancestor.ParentSpanId)
    expect(ancestor).toBe(server)
    const text = JSON.stringify(spans)
    expect(text).not.toContain(teamKey.key)
    expect(text).not.toContain(upstreamKey)
  })

  it('records workflow, step, run id and tags from x-switchyard-* headers, and the key as tag key over any header', async () => {
    upstream.reply({ sse: fixture('openai/chat-stream.sse') })
    const trace = traceparent()
    const client = new OpenAI({
      apiKey: teamKey.key,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        traceparent: trace.header,
        'x-switchyard-workflow': 'support-bot',
        'x-switchyard-step': 'draft',
        'x-switchyard-run-id': 'run-42',
        'x-switchyard-tag-feature': 'inbox',
        'x-switchyard-tag-team': 'spoofed',
      },
    })
    const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true })
    for await (const _chunk of stream) { /* read to the end */ }
    const row = await callRowOfTrace(trace.traceId)
    expect(row).toMatchObject({ Workflow: 'support-bot', Step: 'draft', WorkflowRunId: 'run-42', Route: 'fast', Provider: 'openai' })
    expect(row.Tags).toEqual({ feature: 'inbox', team: 'a', key: 'team-a' })
  })

  it('reads workflow, step and tags from W3C baggage when no header says them', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    const trace = traceparent()
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${teamKey.key}`,
        'content-type': 'application/json',
        traceparent: trace.header,
        baggage: 'switchyard.workflow=triage,switchyard.step=classify,switchyard.tag.tenant=acme',
      },
      body: JSON.stringify({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(200)
    const row = await callRowOfTrace(trace.traceId)
    expect(row).toMatchObject({ Workflow: 'triage', Step: 'classify' })
    expect(row.Tags).toMatchObject({ tenant: 'acme', key: 'team-a' })
  })

  it('refuses a malformed tag header with a 400 naming it', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teamKey.key}`, 'content-type': 'application/json', 'x-switchyard-workflow': 'x'.repeat(300) },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { param: 'header x-switchyard-workflow' } })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { bytesField, concat, fixed64Field, messageField, stringAttribute, traceIdBytes, type Field } from '../otlp/protobuf-writer.js'

const directory = makeTempDirectory('hostile-spans')
let collector: Collector
const mebibyte = 1024 * 1024
const protobuf = { 'content-type': 'application/x-protobuf' }
const json = { 'content-type': 'application/json' }

beforeAll(async () => {
  // The production limits: 16 MiB bodies, 16 MiB batches, 64 KiB attribute values.
  collector = await startTestCollector(directory.path)
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await collector.store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return result.json<T>()
}

interface JsonExport {
  resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[]
}
interface JsonSpan {
  spanId: string
  startTimeUnixNano?: string
  endTimeUnixNano?: string
  events?: { name: string; timeUnixNano?: string }[]
}

/** `count` spans of one resource, with distinct ids, each tagged with the workflow. */
function manySpansRequest(options: { count: number; resource: Field[]; workflow: string }): Uint8Array {
  const start = 1_767_225_600_000_000_000n
  const spans: Field[] = []
  for (let index = 0; index < options.count; index++) {
    const spanId = Buffer.alloc(8)
    spanId.writeUInt32BE(index + 1, 4)
    spans.push(
      messageField(2, bytesField(1, traceIdBytes), bytesField(2, spanId), bytesField(5, 'chat'), fixed64Field(7, start), fixed64Field(8, start + 1n), stringAttribute(9, 'gen_ai.workflow.name', options.workflow)),
    )
  }
  return messageField(1, messageField(1, ...options.resource), messageField(2, messageField(1, bytesField(1, 'scope')), concat(...spans)))
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed
}

/** The highest resident set size of this process so far, in bytes. */
function peakResidentBytes(): number {
  return process.resourceUsage().maxRSS * 1024
}

describe('span times the table cannot store', () => {
  it('rejects those spans alone with partial success, drops an event without a time, and stores the rest exactly', async () => {
    const workflow = 'hostile-times'
    const sent = JSON.parse(serializeSpans(makeModelCallSpans(6, { workflow }), 'json').toString()) as JsonExport
    const spans = sent.resourceSpans[0]!.scopeSpans[0]!.spans
    delete spans[0]!.startTimeUnixNano
    spans[1]!.startTimeUnixNano = '18446744073709551615'
    // The earliest and latest times the table stores, which must read back exactly.
    spans[2]!.startTimeUnixNano = '1'
    spans[2]!.endTimeUnixNano = '2'
    spans[3]!.startTimeUnixNano = '4294967295999999999'
    spans[3]!.endTimeUnixNano = '4294967295999999999'
    spans[4]!.events = [{ name: 'no time' }, { name: 'on time', timeUnixNano: spans[4]!.startTimeUnixNano }]

    const answer = await postTraces(collector.url, JSON.stringify(sent), json)
    expect(answer.status).toBe(200)
    const { partialSuccess } = JSON.parse(answer.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } }
    expect(partialSuccess.rejectedSpans).toBe('2')
    expect(partialSuccess.errorMessage).toContain('spans[0]: startTimeUnixNano is missing (0)')
    expect(partialSuccess.errorMessage).toContain('spans[1]: startTimeUnixNano is after 2106-02-07T06:28:15.999999999Z')
    expect(partialSuccess.errorMessage).toContain('spans[4].events[0]: timeUnixNano is missing (0): the event was dropped, its span kept')

    await collector.drain(20_000)
    const stored = await rows<{ SpanId: string; Start: string; EventNames: string[] }>(
      `SELECT SpanId, toString(toUnixTimestamp64Nano(Timestamp)) AS Start, Events.Name AS EventNames FROM otel_traces
       WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String}`,
      { workflow },
    )
    const bySpanId = new Map(stored.map((row) => [row.SpanId, row]))
    expect(stored).toHaveLength(4)
    expect(bySpanId.has(spans[0]!.spanId) || bySpanId.has(spans[1]!.spanId)).toBe(false)
    expect(bySpanId.get(spans[2]!.spanId)?.Start).toBe('1')
    expect(bySpanId.get(spans[3]!.spanId)?.Start).toBe('4294967295999999999')
    expect(bySpanId.get(spans[4]!.spanId)?.EventNames).toEqual(['on time'])
    expect(bySpanId.get(spans[5]!.spanId)?.Start).toBe(spans[5]!.startTimeUnixNano)
  })
})

describe('requests whose rows would multiply one big resource', () => {
  it('a 64 KiB resource value × 5,000 spans gets 413 while encoding, without the blow-up, and a normal request is stored after', async () => {
    const workflow = 'hostile-multiplied'
    // A 64 KiB value is within maxAttributeValueBytes: every row repeats it, 5,000 × 64 KiB = 328 MB of rows.
    const body = manySpansRequest({ count: 5_000, resource: [stringAttribute(1, 'service.name', 'svc'), stringAttribute(1, 'blob', 'v'.repeat(64 * 1024))], workflow })
    expect(body.length).toBeLessThan(mebibyte)
    const heapBefore = heapUsed()
    const peakBefore = peakResidentBytes()

    const answer = await postTraces(collector.url, body, protobuf)
    expect(answer.status).toBe(413)
    // Bounds of correctness, not timings: the whole encoding would take 328 MB of strings and as much again of buffer.
    expect(heapUsed() - heapBefore).toBeLessThan(200 * mebibyte)
    expect(peakResidentBytes() - peakBefore).toBeLessThan(200 * mebibyte)
    expect(answer.body.toString('latin1')).toMatch(/the request's 5000 spans take more than the batch limit of 16777216 bytes as rows/)

    const normal = makeModelCallSpans(3, { workflow })
    expect((await postTraces(collector.url, serializeSpans(normal, 'protobuf'), protobuf)).status).toBe(200)
    await collector.drain(20_000)
    const counted = await countStoredSpans(collector.store, workflow, normal.map((span) => span.spanContext().spanId))
    expect(counted).toEqual({ total: 3, unique: 3, acknowledged: 3 })
  })

  it('a 1 MiB resource attribute key × 5,000 spans is cut to 256 bytes once, not multiplied: every span is stored', async () => {
    const workflow = 'hostile-key'
    const body = manySpansRequest({ count: 5_000, resource: [stringAttribute(1, 'service.name', 'svc'), stringAttribute(1, 'k'.repeat(mebibyte), 'v')], workflow })
    expect(body.length).toBeLessThan(1.5 * mebibyte)
    const heapBefore = heapUsed()

    const answer = await postTraces(collector.url, body, protobuf)
    expect(answer.status).toBe(200)
    expect(heapUsed() - heapBefore).toBeLessThan(200 * mebibyte)
    await collector.drain(20_000)
    const [stored] = await rows<{ spans: string; keyBytes: string }>(
      `SELECT toString(count()) AS spans, toString(max(arrayMax(arrayMap(key -> length(key), mapKeys(ResourceAttributes))))) AS keyBytes
       FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String}`,
      { workflow },
    )
    expect(stored).toEqual({ spans: '5000', keyBytes: '256' })
  })
})

describe('a body that is not JSON', () => {
  it('is answered with the position of the error and nothing of the body', async () => {
    // V8's SyntaxError would quote it: `Unexpected token 's', "{"apiKey": sk-live-..." is not valid JSON`.
    const answer = await postTraces(collector.url, '{"apiKey": sk-live-0123456789abcdef, "prompt": "my private text"}', json)
    expect(answer.status).toBe(400)
    const { message } = JSON.parse(answer.body.toString()) as { message: string }
    expect(message).toBe('malformed OTLP JSON trace request: request body is not valid JSON: unexpected character where a value should start at position 11')
    expect(answer.body.toString()).not.toMatch(/sk-live|private/)
  })
})

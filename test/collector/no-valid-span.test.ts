import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import type { SpanContext } from '@opentelemetry/api'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('no-valid-span')
let collector: Collector

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

const protobuf = { 'content-type': 'application/x-protobuf' }
const json = { 'content-type': 'application/json' }

/** The same SDK span, but with a span id of the wrong length (three hex digits), as a buggy SDK might send. */
function withShortSpanId(span: ReadableSpan): ReadableSpan {
  const context: SpanContext = { ...span.spanContext(), spanId: 'abc' }
  return Object.create(span, { spanContext: { value: () => context } }) as ReadableSpan
}

/** A google.rpc.Status read from its protobuf bytes: field 1 the code, field 2 the message. */
function decodeStatus(body: Buffer): { code: number; message: string } {
  let offset = 0
  let code = 0
  let message = ''
  const varint = (): number => {
    let value = 0
    let shift = 0
    for (;;) {
      const byte = body[offset++]
      if (byte === undefined) throw new Error('truncated Status')
      value += (byte & 0x7f) * 2 ** shift
      shift += 7
      if (byte < 0x80) return value
    }
  }
  while (offset < body.length) {
    const tag = varint()
    if (tag === 0x08) code = varint()
    else if (tag === 0x12) {
      const length = varint()
      message = body.subarray(offset, offset + length).toString('utf8')
      offset += length
    } else throw new Error(`unexpected tag ${tag} in Status`)
  }
  return { code, message }
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error & { code?: number; data?: string } }> {
  return new Promise((resolve) => {
    exporter.export(spans, (result) => resolve({ code: result.code, error: result.error }))
  })
}

describe('a request in which no span is valid', () => {
  it('is refused 400 to the official exporters (which do not retry it), and nothing is stored', async () => {
    for (const [name, exporter] of [['proto', new OtlpProtoExporter({ url: `${collector.url}/v1/traces` })], ['json', new OtlpJsonExporter({ url: `${collector.url}/v1/traces` })]] as const) {
      const workflow = `none-valid-exporter-${name}`
      const rejectedBefore = collector.metrics.requestsRejected
      const result = await exportWith(exporter, makeModelCallSpans(3, { workflow }).map(withShortSpanId))
      await exporter.shutdown()
      expect(result.code, name).toBe(1)
      expect(result.error?.code, name).toBe(400)
      expect(collector.metrics.requestsRejected - rejectedBefore, name).toBe(1)
      await collector.drain(10_000)
      expect((await countStoredSpans(collector.store, workflow, [])).total, name).toBe(0)
    }
  })

  it('answers a google.rpc.Status in the request\'s encoding, with the reason and the count refused', async () => {
    const spans = makeModelCallSpans(2, { workflow: 'none-valid-raw' }).map(withShortSpanId)

    const protobufAnswer = await postTraces(collector.url, serializeSpans(spans, 'protobuf'), protobuf)
    expect(protobufAnswer.status).toBe(400)
    expect(protobufAnswer.headers.get('content-type')).toBe('application/x-protobuf')
    const status = decodeStatus(protobufAnswer.body)
    expect(status.code).toBe(3)
    expect(status.message).toMatch(/^no span of the request is valid, so nothing is stored \(2 refused\): .*spanId must be 8 bytes, got 1/)

    const jsonAnswer = await postTraces(collector.url, serializeSpans(spans, 'json'), json)
    expect(jsonAnswer.status).toBe(400)
    expect(jsonAnswer.headers.get('content-type')).toBe('application/json')
    const jsonStatus = JSON.parse(jsonAnswer.body.toString()) as { code: number; message: string }
    expect(jsonStatus.code).toBe(3)
    expect(jsonStatus.message).toMatch(/^no span of the request is valid, so nothing is stored \(2 refused\): .*spanId/)
  })

  it('still takes a request with one valid span among invalid ones as a partial success', async () => {
    const workflow = 'none-valid-partial'
    const spans = makeModelCallSpans(3, { workflow })
    const mixed = [withShortSpanId(spans[0]!), withShortSpanId(spans[1]!), spans[2]!]
    const exporter = new OtlpProtoExporter({ url: `${collector.url}/v1/traces` })
    expect(await exportWith(exporter, mixed)).toEqual({ code: 0, error: undefined })
    await exporter.shutdown()

    const raw = await postTraces(collector.url, serializeSpans(mixed, 'json'), json)
    expect(raw.status).toBe(200)
    expect(JSON.parse(raw.body.toString())).toMatchObject({ partialSuccess: { rejectedSpans: '2' } })
    await collector.drain(10_000)
    // The valid span of each request, once: the second is a re-send of the first.
    expect((await countStoredSpans(collector.store, workflow, [spans[2]!.spanContext().spanId]))).toEqual({ total: 1, unique: 1, acknowledged: 1 })
  })

  it('answers an empty request (no spans at all) 200, as the specification says', async () => {
    for (const body of ['{}', '{"resourceSpans":[]}', '{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}']) {
      const answer = await postTraces(collector.url, body, json)
      expect(answer.status, body).toBe(200)
    }
    const empty = await postTraces(collector.url, new Uint8Array(0), protobuf)
    expect(empty.status).toBe(200)
    expect(empty.body).toHaveLength(0)
  })
})

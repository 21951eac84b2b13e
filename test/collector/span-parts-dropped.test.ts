import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('span-parts-dropped')
let collector: Collector

beforeAll(async () => {
  // The production decode limits: 128 attributes per resource, span, event and link; 128 events and links per span.
  collector = await startTestCollector(directory.path)
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

const metricName = 'switchyard_collector_span_parts_dropped_total'

async function droppedParts(): Promise<number> {
  const text = await (await fetch(`${collector.url}/metrics`)).text()
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${metricName} `))
  if (line === undefined) throw new Error(`/metrics has no ${metricName}`)
  return Number(line.slice(metricName.length + 1))
}

function attributes(count: number, prefix: string): { key: string; value: { stringValue: string } }[] {
  return Array.from({ length: count }, (_, index) => ({ key: `${prefix}.${index}`, value: { stringValue: 'v' } }))
}

describe('parts of a kept span past the decoders\' limits', () => {
  it('are counted on /metrics, while the span itself is stored with what fits', async () => {
    const workflow = 'dropped-parts'
    const start = BigInt(Date.now()) * 1_000_000n
    const traceId = randomBytes(16).toString('hex')
    const spanId = randomBytes(8).toString('hex')
    const request = {
      resourceSpans: [{
        // 130 resource attributes: 2 dropped (once for the resource, not once per span).
        resource: { attributes: attributes(130, 'resource') },
        scopeSpans: [{
          scope: { name: 'limits' },
          spans: [{
            traceId,
            spanId,
            name: 'limits',
            kind: 1,
            startTimeUnixNano: String(start),
            endTimeUnixNano: String(start + 1_000n),
            // 130 attributes: 2 dropped.
            attributes: [{ key: 'gen_ai.workflow.name', value: { stringValue: workflow } }, ...attributes(129, 'span')],
            // 130 events: 2 past the count, and of the 128 read, the first has no time: 3 dropped.
            events: [{ name: 'no time' }, ...Array.from({ length: 129 }, (_, index) => ({ name: `event ${index}`, timeUnixNano: String(start) }))],
            // 131 links: 3 dropped.
            links: Array.from({ length: 131 }, () => ({ traceId, spanId: randomBytes(8).toString('hex') })),
          }],
        }],
      }],
    }
    const before = await droppedParts()

    const answer = await postTraces(collector.url, JSON.stringify(request), { 'content-type': 'application/json' })
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body.toString())).toMatchObject({ partialSuccess: { errorMessage: expect.stringContaining('links past the limit of 128 were dropped') } })
    expect(await droppedParts()).toBe(before + 10)

    await collector.drain(20_000)
    const result = await collector.store.client.query({
      query: `SELECT toString(count()) AS spans, toString(max(length(mapKeys(SpanAttributes)))) AS attributes,
                     toString(max(length(Events.Name))) AS events, toString(max(length(Links.SpanId))) AS links
              FROM otel_traces WHERE TraceId = {traceId:String} AND SpanId = {spanId:String}`,
      query_params: { traceId, spanId },
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([{ spans: '1', attributes: '128', events: '127', links: '128' }])
  })
})

import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { bytesField, concat, fixed64Field, messageField, stringAttribute, tag, traceIdBytes, varint, type Field } from '../otlp/protobuf-writer.js'

/*
 * What an outsider (or a buggy exporter) sends a collector on loopback, each probe
 * with raw HTTP against a real collector and the real store: the probes of issue 15
 * re-run after it was fixed, and the ones it did not list.
 */
const directory = makeTempDirectory('attacker-probes')
let collector: Collector
const json = { 'content-type': 'application/json' }
const protobuf = { 'content-type': 'application/x-protobuf' }
const key = 'sk-proj-PROBEKEY0123456789abcdef'

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

/** Sends raw request bytes on a fresh connection and reads the answer to its end. */
function rawRequest(text: string): Promise<{ statusLine: string; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(collector.port, '127.0.0.1', () => socket.write(text))
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    socket.on('close', () => resolve({ statusLine: answer.split('\r\n')[0] ?? '', text: answer }))
    socket.on('error', reject)
  })
}

/** Sends request headers on a fresh connection and gives the first line that comes back, then hangs up. */
function firstAnswerLine(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(collector.port, '127.0.0.1', () => socket.write(text))
    socket.once('data', (chunk: Buffer) => {
      resolve(chunk.toString('latin1').split('\r\n')[0] ?? '')
      socket.destroy()
    })
    socket.on('error', reject)
  })
}

function get(path: string, host: string): Promise<{ statusLine: string; text: string }> {
  return rawRequest(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
}

async function storedRows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
  const result = await collector.store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return result.json<T>()
}

function spanId(workflowNumber: number, index: number): Buffer {
  const id = Buffer.alloc(8)
  id.writeUInt16BE(workflowNumber, 0)
  id.writeUInt32BE(index + 1, 4)
  return id
}

/** A minimal span of the workflow, at `startNanos` (one second long). */
function span(options: { workflow: string; spanId: Uint8Array; startNanos?: bigint }): Field {
  const start = options.startNanos ?? BigInt(Date.now()) * 1_000_000n
  return messageField(2, bytesField(1, traceIdBytes), bytesField(2, options.spanId), bytesField(5, 'chat'), fixed64Field(7, start), fixed64Field(8, start + 1_000_000_000n), stringAttribute(9, 'gen_ai.workflow.name', options.workflow))
}

function resourceSpans(...spans: Field[]): Field {
  return messageField(1, messageField(1, stringAttribute(1, 'service.name', 'probe')), messageField(2, messageField(1, bytesField(1, 'scope')), ...spans))
}

describe('findings: each failed before its fix', () => {
  it('refuses a JSON body nested deeper than any OTLP request before parsing it, and takes the next request', async () => {
    // 16 MiB of this once held the collector for 3.3 s and 780 MB, inside a field it ignores.
    const depth = 200_000
    const received = collector.metrics.spansReceived
    const deep = await postTraces(collector.url, `{"resourceSpans":[],"unknownField":${'['.repeat(depth)}${']'.repeat(depth)}}`, json)
    expect(deep.status).toBe(400)
    // The field's arrays start at 35, inside the request's object: the 280th of them is 281 deep.
    expect(JSON.parse(deep.body.toString())).toEqual({
      code: 3,
      message: 'malformed OTLP JSON trace request: request body nests objects and arrays deeper than 280 at position 314: no OTLP trace request does',
    })
    expect(collector.metrics.spansReceived).toBe(received)

    const next = await postTraces(collector.url, serializeSpans(makeModelCallSpans(1, { workflow: 'probe-after-deep' }), 'json'), json)
    expect(next.status).toBe(200)
  })

  it('writes the report CSV with the terminal controls of span data escaped, so printing it cannot retitle, clear or recolour the terminal', async () => {
    const workflow = 'probe-csv\u001b]0;pwned\u0007'
    const spans = makeModelCallSpans(1, { workflow })
    spans[0]!.attributes['switchyard.step'] = '\u001b[2J\u009b31mstep\u007f'
    expect((await postTraces(collector.url, serializeSpans(spans, 'protobuf'), protobuf)).status).toBe(200)
    await collector.drain(20_000)

    const response = await fetch(`${collector.url}/v1/report?since=1h&by=workflow,step&format=csv`)
    expect(response.status).toBe(200)
    const csv = await response.text()
    // eslint-disable-next-line no-control-regex -- what a terminal acts on, CSV's own tab and line breaks apart
    expect(csv).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/)
    expect(csv).toContain('probe-csv\\u001b]0;pwned\\u0007,\\u001b[2J\\u009b31mstep\\u007f,1,')
  })

  it('refuses a request that carries two Host headers, whichever comes first', async () => {
    for (const hosts of [['localhost', 'rebind.attacker.example'], ['rebind.attacker.example', 'localhost']]) {
      const answer = await rawRequest(`GET /v1/report?since=1h HTTP/1.1\r\nHost: ${hosts[0]}\r\nHost: ${hosts[1]}\r\nConnection: close\r\n\r\n`)
      expect(answer.statusLine, hosts.join(', ')).toMatch(/^HTTP\/1\.1 403 /)
    }
  })

  it('invites a body with 100 Continue only past the door and within the body limit', async () => {
    const headers = (host: string, bytes: number): string =>
      `POST /v1/traces HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${bytes}\r\nExpect: 100-continue\r\n\r\n`
    // Node used to answer 100 Continue to every one of these before any check.
    expect(await firstAnswerLine(headers('rebind.attacker.example', 1_000))).toMatch(/^HTTP\/1\.1 403 /)
    expect(await firstAnswerLine(headers('localhost', collector.options.maxBodyBytes + 1))).toMatch(/^HTTP\/1\.1 413 /)
    expect(await firstAnswerLine(headers('localhost', 10))).toBe('HTTP/1.1 100 Continue')
  })

  it('answers another method on a read-only route with 405 and Allow, and an unknown path without repeating it', async () => {
    for (const [method, path, allow] of [['HEAD', '/v1/report?since=1h', 'GET'], ['POST', '/v1/report', 'GET'], ['HEAD', '/metrics', 'GET'], ['DELETE', '/healthz', 'GET, HEAD']] as const) {
      const response = await fetch(`${collector.url}${path}`, { method })
      expect(response.status, `${method} ${path}`).toBe(405)
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow)
    }
    const unknown = await get(`/${key}/v1/traces?token=${key}`, 'localhost')
    expect(unknown.statusLine).toMatch(/^HTTP\/1\.1 404 /)
    expect(unknown.text).not.toContain('PROBEKEY')
  })
})

describe('probes that already behave, kept checked', () => {
  it('answers only Host names that are loopback, however they are spelt', async () => {
    const refused = ['localhost.attacker.example', '127.0.0.1.nip.io', `${key}.attacker.example`, 'user@localhost', 'localhost@attacker.example', 'localhost.', '::1', '[::]', '0.0.0.0', '[fe80::1]', 'localhost:99999', 'localhost%2eattacker.example', '']
    for (const host of refused) expect((await get('/v1/report?since=1h', host)).statusLine, JSON.stringify(host)).toMatch(/^HTTP\/1\.1 403 /)
    const answered = ['LocalHost:4318', '127.1', '127.0.0.2', '0x7f.0.0.1', '2130706433', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]']
    for (const host of answered) expect((await get('/v1/report?since=1h', host)).statusLine, host).toMatch(/^HTTP\/1\.1 200 /)
  })

  it('serves /v1/traces at that path only, with or without a query', async () => {
    const body = serializeSpans(makeModelCallSpans(1, { workflow: 'probe-paths' }), 'json')
    const received = collector.metrics.spansReceived
    for (const path of ['//v1/traces', '/v1/traces/', '/v1/%74races', '/V1/TRACES', '/v1/x/../traces', '/v1/./traces', 'http://attacker.example/v1/traces']) {
      const answer = await rawRequest(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('latin1')}`)
      expect(answer.statusLine, path).toMatch(/^HTTP\/1\.1 404 /)
    }
    expect(collector.metrics.spansReceived).toBe(received)
    expect((await fetch(`${collector.url}/v1/traces?x`, { method: 'POST', headers: json, body })).status).toBe(200)
  })

  it('stores a span once when its ids come twice in one request, in two resources, or again as JSON in other letter case', async () => {
    const workflow = 'probe-same-ids'
    const ids = [spanId(1, 0), spanId(1, 1)]
    const twice = concat(resourceSpans(span({ workflow, spanId: ids[0]! }), span({ workflow, spanId: ids[0]! })), resourceSpans(span({ workflow, spanId: ids[1]! })), resourceSpans(span({ workflow, spanId: ids[1]! })))
    expect((await postTraces(collector.url, twice, protobuf)).status).toBe(200)
    const again = {
      resourceSpans: [{ scopeSpans: [{ spans: [{
        traceId: Buffer.from(traceIdBytes).toString('hex').toUpperCase(),
        spanId: ids[0]!.toString('hex').toUpperCase(),
        startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
        endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
        attributes: [{ key: 'gen_ai.workflow.name', value: { stringValue: workflow } }],
      }] }] }],
    }
    expect((await postTraces(collector.url, JSON.stringify(again), json)).status).toBe(200)
    await collector.drain(20_000)
    const stored = await storedRows<{ SpanId: string }>("SELECT SpanId FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String} ORDER BY SpanId", { workflow })
    expect(stored.map((row) => row.SpanId)).toEqual(ids.map((id) => id.toString('hex')))
  })

  it('stores a span of 1972 (8-digit Unix seconds, which ClickHouse would read as a date) exactly', async () => {
    const workflow = 'probe-1972'
    const start = 63_072_000_123_456_789n
    expect((await postTraces(collector.url, resourceSpans(span({ workflow, spanId: spanId(2, 0), startNanos: start })), protobuf)).status).toBe(200)
    await collector.drain(20_000)
    const stored = await storedRows<{ Start: string }>("SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS Start FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String}", { workflow })
    expect(stored).toEqual([{ Start: String(start) }])
  })

  it('refuses protobuf with impossible lengths as 400 and skips unknown fields nested deep by their length', async () => {
    const huge = await postTraces(collector.url, Uint8Array.from([0x0a, ...varint(0xffffffff), 1, 2, 3]), protobuf)
    expect(huge.status).toBe(400)
    expect(huge.body.toString('latin1')).toContain('length 4294967295 runs past the end of the enclosing message')
    const longLength = await postTraces(collector.url, Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), protobuf)
    expect(longLength.status).toBe(400)

    // An unknown field 100,000 messages deep: one length prefix per level, skipped whole.
    const prefixes: Buffer[] = []
    let length = 0
    for (let level = 0; level < 100_000; level++) {
      const prefix = Buffer.from([...tag(99, 2), ...varint(length)])
      length += prefix.length
      prefixes.push(prefix)
    }
    const deep = concat(Buffer.concat(prefixes.reverse()), resourceSpans(span({ workflow: 'probe-deep-unknown', spanId: spanId(3, 0) })))
    const answer = await postTraces(collector.url, deep, protobuf)
    expect(answer.status).toBe(200)
    expect(collector.metrics.spansAccepted).toBeGreaterThan(0)
  })

  it('repeats no key sent in a body, a header or a URL in its answers', async () => {
    const answers = [
      await postTraces(collector.url, `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"${key}"}}]}}]}`, json),
      await postTraces(collector.url, `{"resourceSpans":[{"x":"${key}" }}`, json),
      await postTraces(collector.url, serializeSpans(makeModelCallSpans(1, { workflow: 'probe-keys' }), 'json'), { ...json, authorization: `Bearer ${key}`, 'x-api-key': key }),
    ]
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 200])
    for (const answer of answers) expect(answer.body.toString('latin1')).not.toContain('PROBEKEY')
    const spend = await fetch(`${collector.url}/v1/spend?window=1h&api_key=${key}`)
    expect(spend.status).toBe(400)
    expect(await spend.text()).not.toContain('PROBEKEY')
  })
})

import { existsSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import path from 'node:path'
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CollectorConfigError, startCollector, type Collector } from '../../src/collector/collector.js'
import { createHttpSpendSource } from '../../src/budget/http-spend-source.js'
import { runReportCommand } from '../../src/cli/report-command.js'
import { fetchReport } from '../../src/report/fetch-report.js'
import { ReportFetchError } from '../../src/report/report-fetch-error.js'
import { parseReportRequest } from '../../src/report/report-request.js'
import { countStoredSpans } from '../helpers/count-stored-spans.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const token = 'door-test-token-5f0c2a9e41b7d3c8'
const directory = makeTempDirectory('collector-door')
let collector: Collector

beforeAll(async () => {
  collector = await startTestCollector(directory.path, { token })
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** One request with headers fetch() will not send (Host), on a connection of its own. */
function send(options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({
      host: '127.0.0.1',
      port: collector.port,
      method: options.method ?? 'GET',
      path: options.path,
      headers: options.headers,
      agent: false,
    }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }))
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(options.body)
  })
}

const bearer = { authorization: `Bearer ${token}` }

/** The code and message of an OTLP error body in protobuf (`google.rpc.Status`: field 1 varint, field 2 string). */
function decodeStatus(body: Buffer): { code: number; message: string } {
  expect(body[0]).toBe(0x08)
  const code = body[1]!
  expect(body[2]).toBe(0x12)
  let length = 0
  let shift = 0
  let offset = 3
  for (;;) {
    const byte = body[offset++]!
    length |= (byte & 0x7f) << shift
    shift += 7
    if (byte < 0x80) break
  }
  return { code, message: body.subarray(offset, offset + length).toString('utf8') }
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error & { code?: number; data?: string } }> {
  return new Promise((resolve) => {
    exporter.export(spans, (result) => resolve({ code: result.code, error: result.error }))
  })
}

const readEndpoints = ['/v1/report?since=24h', '/v1/spend?workflow=door&window=1h', '/metrics']

describe('on loopback, only requests addressed to loopback are answered (DNS rebinding)', () => {
  it('refuses a Host that names another machine with 403 on every endpoint, even with the token', async () => {
    for (const endpoint of [...readEndpoints, '/healthz']) {
      const answer = await send({ path: endpoint, headers: { host: `rebind.attacker.example:${collector.port}`, ...bearer } })
      expect(answer.status, endpoint).toBe(403)
      expect(JSON.parse(answer.body.toString()), endpoint).toEqual({ error: expect.stringMatching(/does not name this machine.*DNS rebinding/) })
    }
    const spans = serializeSpans(makeModelCallSpans(2, { workflow: 'door-rebound' }), 'protobuf')
    const traces = await send({ method: 'POST', path: '/v1/traces', headers: { host: 'rebind.attacker.example', 'content-type': 'application/x-protobuf', ...bearer }, body: spans })
    expect(traces.status).toBe(403)
    expect(traces.headers['content-type']).toBe('application/x-protobuf')
    expect(decodeStatus(traces.body)).toEqual({ code: 7, message: expect.stringMatching(/DNS rebinding/) })
    expect(collector.metrics.spansReceived).toBe(0)
    expect(collector.metrics.requestsRefusedHost).toBe(5)
  })

  it('answers localhost, 127.0.0.1 and [::1], with or without the port, and a request with no Host at all', async () => {
    for (const host of [`localhost:${collector.port}`, 'localhost', 'LOCALHOST', `127.0.0.1:${collector.port}`, '127.0.0.1', `[::1]:${collector.port}`]) {
      const answer = await send({ path: '/v1/report?since=24h', headers: { host, ...bearer } })
      expect(answer.status, host).toBe(200)
    }
    // Only HTTP/1.0 may omit Host (Node refuses an HTTP/1.1 request without it), and no browser does.
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(collector.port, '127.0.0.1', () => socket.write(`GET /healthz HTTP/1.0\r\nAuthorization: Bearer ${token}\r\n\r\n`))
      let text = ''
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
      socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''))
      socket.on('error', reject)
    })
    expect(statusLine).toMatch(/^HTTP\/1\.1 200 /)
  })
})

describe('a collector with a bearer token', () => {
  it('refuses the report, the spend and the metrics without the token, or with another, with 401 and WWW-Authenticate', async () => {
    for (const endpoint of readEndpoints) {
      const missing = await send({ path: endpoint })
      expect(missing.status, endpoint).toBe(401)
      expect(missing.headers['www-authenticate'], endpoint).toBe('Bearer realm="switchyard collector"')
      expect(JSON.parse(missing.body.toString()), endpoint).toEqual({ error: expect.stringMatching(/requires a bearer token/) })
      const wrong = await send({ path: endpoint, headers: { authorization: `Bearer ${token.slice(0, -1)}x` } })
      expect(wrong.status, endpoint).toBe(401)
      expect(wrong.headers['www-authenticate'], endpoint).toMatch(/error="invalid_token"/)
      expect(wrong.body.toString(), endpoint).not.toContain(token.slice(0, 12))
      const basic = await send({ path: endpoint, headers: { authorization: `Basic ${Buffer.from(`user:${token}`).toString('base64')}` } })
      expect(basic.status, endpoint).toBe(401)
      expect((await send({ path: endpoint, headers: bearer })).status, endpoint).toBe(200)
    }
  })

  it('keeps /healthz open to probes, saying only whether it is healthy; the token shows the details', async () => {
    const open = await send({ path: '/healthz' })
    expect(open.status).toBe(200)
    expect(JSON.parse(open.body.toString())).toEqual({ status: 'ok' })
    const detailed = await send({ path: '/healthz', headers: bearer })
    expect(JSON.parse(detailed.body.toString())).toMatchObject({ status: 'ok', store: 'ok', queue: { segments: expect.any(Number) } })
  })

  it('accepts the official exporter\'s spans with the token in its headers, and refuses them without it in the OTLP error format', async () => {
    const spans = makeModelCallSpans(3, { workflow: 'door-exporter' })
    const withToken = new OtlpProtoExporter({ url: `${collector.url}/v1/traces`, headers: { Authorization: `Bearer ${token}` } })
    expect(await exportWith(withToken, spans)).toEqual({ code: 0, error: undefined })
    await withToken.shutdown()

    const refusedSpans = makeModelCallSpans(2, { workflow: 'door-refused' })
    const withoutToken = new OtlpProtoExporter({ url: `${collector.url}/v1/traces` })
    const refused = await exportWith(withoutToken, refusedSpans)
    await withoutToken.shutdown()
    expect(refused.code).toBe(1)
    expect(refused.error?.code).toBe(401)

    const raw = await send({ method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, body: serializeSpans(refusedSpans, 'protobuf') })
    expect(raw.status).toBe(401)
    expect(raw.headers['content-type']).toBe('application/x-protobuf')
    expect(decodeStatus(raw.body)).toEqual({ code: 16, message: expect.stringMatching(/requires a bearer token.*OTEL_EXPORTER_OTLP_HEADERS/) })
    const json = await send({ method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/json' }, body: serializeSpans(refusedSpans, 'json') })
    expect(json.status).toBe(401)
    expect(JSON.parse(json.body.toString())).toEqual({ code: 16, message: expect.stringMatching(/bearer token/) })

    await collector.drain(30_000)
    const ids = (list: ReadableSpan[]): string[] => list.map((span) => span.spanContext().spanId)
    expect(await countStoredSpans(collector.store, 'door-exporter', ids(spans))).toEqual({ total: 3, unique: 3, acknowledged: 3 })
    expect(await countStoredSpans(collector.store, 'door-refused', ids(refusedSpans))).toEqual({ total: 0, unique: 0, acknowledged: 0 })
  })

  it('lets a router\'s budgets read /v1/spend with the token, given as an option or in the spendEndpoint URL', async () => {
    const fromMs = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000
    const query = { match: { workflow: 'door-exporter' }, fromMs, recentFromMs: fromMs, spanIds: [] }
    const byOption = await createHttpSpendSource({ url: collector.url, token }).fetchSpend(query)
    expect(byOption.buckets.reduce((sum, bucket) => sum + bucket.units, 0n)).toBeGreaterThan(0n)
    const inUrl = createHttpSpendSource({ url: `http://:${token}@127.0.0.1:${collector.port}` })
    expect(inUrl.description).not.toContain(token)
    expect(await inUrl.fetchSpend(query)).toEqual(byOption)
    const without = createHttpSpendSource({ url: collector.url })
    const failure = await without.fetchSpend(query).then(() => undefined, (error: unknown) => error)
    expect(String(failure)).toMatch(/answered 401/)
  })

  it('lets switchyard report --collector send it, from --token-file', async () => {
    const request = parseReportRequest({ since: '24h', format: 'json' })
    const report = await fetchReport({ collectorUrl: collector.url, request, token })
    expect(report.kind).toBe('report')
    const refused = await fetchReport({ collectorUrl: collector.url, request }).then(() => undefined, (error: unknown) => error)
    expect(refused).toBeInstanceOf(ReportFetchError)
    expect((refused as ReportFetchError).status).toBe(401)

    const tokenFile = path.join(directory.path, 'collector-token')
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 })
    expect(await runReportCommand(['--collector', collector.url, '--token-file', tokenFile, '--since', '1h', '--format', 'csv', '--limit', '1'])).toBe(0)
    writeFileSync(tokenFile, 'not-the-collector-token-at-all\n')
    await expect(runReportCommand(['--collector', collector.url, '--token-file', tokenFile, '--since', '1h'])).rejects.toThrow(/answered 401/)
  })
})

describe('starting a collector', () => {
  it('refuses to listen off loopback without a token, before it opens anything, unless told to run without auth', async () => {
    const elsewhere = path.join(directory.path, 'elsewhere')
    const options = { host: '0.0.0.0', port: 0, store: `chdb://${path.join(elsewhere, 'store')}`, queueDirectory: path.join(elsewhere, 'queue') }
    await expect(startCollector(options)).rejects.toThrow(CollectorConfigError)
    await expect(startCollector(options)).rejects.toThrow(/off loopback, without a token.*--token-file.*--allow-unauthenticated/)
    expect(existsSync(elsewhere)).toBe(false)
  })

  it('refuses a token too short to guess at, without quoting it', async () => {
    const failure = await startCollector({ host: '127.0.0.1', port: 0, token: 'hunter2hunter2' }).then(() => undefined, (error: unknown) => error)
    expect(failure).toBeInstanceOf(CollectorConfigError)
    expect(String(failure)).toMatch(/token/)
    expect(String(failure)).not.toContain('hunter2')
  })
})

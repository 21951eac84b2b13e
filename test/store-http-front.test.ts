import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client'
import type { ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClickHouseHttpFront } from './helpers/clickhouse-http-front.js'
import type { ClickHouseHttpFront } from './helpers/clickhouse-http-front.js'

const USER = 'switchyard'
const PASSWORD = 'p@ss:word/1'
const DATABASE = 'sy_front'

interface SpanRow {
  Timestamp: string
  TraceId: string
  SpanName: string
  Duration: string
  CostUsd: string
  SpanAttributes: Record<string, string>
  'Events.Name': string[]
  'Events.Attributes': Array<Record<string, string>>
}

const rows: SpanRow[] = [
  {
    Timestamp: '2025-03-01 12:00:00.123456789',
    TraceId: 'trace-a',
    SpanName: 'chat gpt-4o',
    Duration: '1500000000',
    CostUsd: '0.000123456789',
    SpanAttributes: { 'gen_ai.provider.name': 'openai', 'switchyard.step': "it's a\ttab" },
    'Events.Name': ['first_token', 'done'],
    'Events.Attributes': [{ 'ttft_ms': '120' }, {}],
  },
  {
    Timestamp: '2025-03-01 12:00:01.000000001',
    TraceId: 'trace-b',
    SpanName: 'chat claude',
    Duration: '18446744073709551615',
    CostUsd: '12345678901234567890.123456789012',
    SpanAttributes: { 'gen_ai.provider.name': 'anthropic' },
    'Events.Name': [],
    'Events.Attributes': [],
  },
]

let dataDir: string
let front: ClickHouseHttpFront
let client: ClickHouseClient
const clients: ClickHouseClient[] = []

function connect(options: Parameters<typeof createClient>[0] = {}): ClickHouseClient {
  // The client logs every failed request; here failures are the point.
  const created = createClient({ url: front.url, log: { level: ClickHouseLogLevel.OFF }, ...options })
  clients.push(created)
  return created
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to reject')
}

async function countRows(table: string): Promise<number> {
  const result = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })
  const [row] = await result.json<{ n: string | number }>()
  return Number(row?.n)
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'switchyard-http-front-'))
  front = await startClickHouseHttpFront({ dataDir, user: USER, password: PASSWORD })
  client = connect()
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${DATABASE}` })
  await client.command({
    query: `
      CREATE TABLE ${DATABASE}.spans (
        Timestamp DateTime64(9),
        TraceId String,
        SpanName LowCardinality(String),
        Duration UInt64,
        CostUsd Decimal(38, 12),
        SpanAttributes Map(LowCardinality(String), String),
        Events Nested(Name LowCardinality(String), Attributes Map(LowCardinality(String), String))
      )
      ENGINE = MergeTree
      PARTITION BY toDate(Timestamp)
      ORDER BY (SpanName, toDateTime(Timestamp))`,
  })
  await client.insert({ table: `${DATABASE}.spans`, values: rows, format: 'JSONEachRow' })
})

afterAll(async () => {
  await Promise.all(clients.map((each) => each.close()))
  await front?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('ClickHouse HTTP front over the embedded engine', () => {
  it('round-trips Map, Nested, DateTime64(9), UInt64 and Decimal(38,12) columns through JSONEachRow', async () => {
    const result = await client.query({
      query: `SELECT Timestamp, TraceId, SpanName, toString(Duration) AS Duration, toString(CostUsd) AS CostUsd,
                     SpanAttributes, Events.Name, Events.Attributes
              FROM ${DATABASE}.spans ORDER BY Timestamp`,
      format: 'JSONEachRow',
    })
    expect(await result.json<SpanRow>()).toEqual(rows)
  })

  it('binds String, UInt64, DateTime64 and Array(String) parameters the way the server parses them', async () => {
    const result = await client.query({
      query: `SELECT TraceId FROM ${DATABASE}.spans
              WHERE SpanAttributes['switchyard.step'] = {step:String}
                AND Duration < {maxDuration:UInt64}
                AND Timestamp >= {since:DateTime64(9)}
                AND has({names:Array(String)}, SpanName)`,
      format: 'JSONEachRow',
      query_params: {
        step: "it's a\ttab",
        maxDuration: 2_000_000_000,
        since: new Date('2025-03-01T12:00:00.000Z'),
        names: ['chat gpt-4o', "o'brien\\path"],
      },
    })
    expect(await result.json()).toEqual([{ TraceId: 'trace-a' }])

    const echoed = await client.query({
      query: 'SELECT {text:String} AS text, {list:Array(String)} AS list, {nothing:Nullable(String)} AS nothing',
      format: 'JSONEachRow',
      query_params: { text: "back\\slash 'quote'\nline", list: ["it's", 'tab\there', 'back\\slash'], nothing: null },
    })
    expect(await echoed.json()).toEqual([
      { text: "back\\slash 'quote'\nline", list: ["it's", 'tab\there', 'back\\slash'], nothing: null },
    ])
  })

  it('sends bound parameters as multipart when the client is told to', async () => {
    const multipart = connect({ use_multipart_params: true })
    const result = await multipart.query({
      query: 'SELECT toString({id:UInt64} + 1) AS next, {names:Array(String)} AS names',
      format: 'JSONEachRow',
      query_params: { id: 41, names: ["a'b"] },
    })
    expect(await result.json()).toEqual([{ next: '42', names: ["a'b"] }])
  })

  it('answers JSON, JSONCompactEachRow and TabSeparated queries, and exec streams', async () => {
    const json = await client.query({ query: `SELECT TraceId FROM ${DATABASE}.spans ORDER BY TraceId LIMIT 2`, format: 'JSON' })
    expect(json.response_headers['x-clickhouse-query-id']).toBe(json.query_id)
    expect(json.response_headers['x-clickhouse-format']).toBe('JSON')
    expect((await json.json<{ TraceId: string }>()).data).toEqual([{ TraceId: 'trace-a' }, { TraceId: 'trace-b' }])

    const compact = await client.query({ query: 'SELECT 1 AS one, \'x\' AS x', format: 'JSONCompactEachRow' })
    expect(await compact.json()).toEqual([[1, 'x']])

    const tsv = await client.query({ query: `SELECT TraceId FROM ${DATABASE}.spans ORDER BY TraceId`, format: 'TabSeparated' })
    expect(await tsv.text()).toBe('trace-a\ntrace-b\n')

    const exec = await client.exec({ query: 'SELECT 42 AS answer FORMAT JSONEachRow' })
    let text = ''
    for await (const chunk of exec.stream) text += String(chunk)
    expect(JSON.parse(text)).toEqual({ answer: 42 })
  })

  it('runs unqualified table names in the database chosen by the client, without leaking it', async () => {
    const scoped = connect({ database: DATABASE })
    const result = await scoped.query({ query: 'SELECT toString(count()) AS n, currentDatabase() AS db FROM spans', format: 'JSONEachRow' })
    expect(await result.json()).toEqual([{ n: '2', db: DATABASE }])
    await scoped.insert({ table: 'spans', values: [{ ...rows[0], TraceId: 'trace-scoped' }], format: 'JSONEachRow' })
    expect(await countRows(`${DATABASE}.spans`)).toBe(3)

    const unscoped = await client.query({ query: 'SELECT currentDatabase() AS db', format: 'JSONEachRow' })
    expect(await unscoped.json()).toEqual([{ db: 'default' }])
  })

  it('reports insert summaries with the rows written', async () => {
    await client.command({ query: `CREATE TABLE ${DATABASE}.counted (id UInt32) ENGINE = MergeTree ORDER BY id` })
    const inserted = await client.insert({ table: `${DATABASE}.counted`, values: [{ id: 1 }, { id: 2 }, { id: 3 }], format: 'JSONEachRow' })
    expect(inserted.summary?.written_rows).toBe('3')
    const compact = await client.insert({ table: `${DATABASE}.counted`, values: [[4]] })
    expect(compact.summary?.written_rows).toBe('1')
    const empty = await client.insert({ table: `${DATABASE}.counted`, values: [] })
    expect(empty.executed).toBe(false)
  })

  it('surfaces an engine error as a ClickHouseError with the server code', async () => {
    const missing = await rejection(client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }))
    expect(missing).toBeInstanceOf(ClickHouseError)
    expect(missing).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' })

    const syntax = await rejection(client.command({ query: 'SELEC 1' }))
    expect(syntax).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' })

    const badRow = await rejection(
      client.insert({ table: `${DATABASE}.counted`, values: [{ id: 'not a number' }], format: 'JSONEachRow' }),
    )
    expect(badRow).toBeInstanceOf(ClickHouseError)
  })

  it('applies a settings parameter to its own request only', async () => {
    await client.command({
      query: `CREATE TABLE ${DATABASE}.dedup (id UInt32) ENGINE = MergeTree ORDER BY id
              SETTINGS non_replicated_deduplication_window = 100`,
    })
    const table = `${DATABASE}.dedup`
    await client.insert({ table, values: [{ id: 1 }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'batch-1' } })
    await client.insert({ table, values: [{ id: 2 }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'batch-1' } })
    expect(await countRows(table)).toBe(1)

    await client.insert({ table, values: [{ id: 3 }], format: 'JSONEachRow' })
    expect(await countRows(table)).toBe(2)

    await client.command({ query: 'SET max_threads = 1' })
    const after = await client.query({
      query: "SELECT getSetting('insert_deduplication_token') AS token, changed FROM system.settings WHERE name = 'max_threads'",
      format: 'JSONEachRow',
    })
    expect(await after.json()).toEqual([{ token: '', changed: 0 }])
  })

  it('works with gzip in both directions', async () => {
    const gzipped = connect({ compression: { request: true, response: true } })
    await gzipped.insert({ table: `${DATABASE}.counted`, values: [{ id: 100 }], format: 'JSONEachRow' })
    const result = await gzipped.query({ query: `SELECT max(id) AS top FROM ${DATABASE}.counted`, format: 'JSONEachRow' })
    expect(result.response_headers['content-encoding']).toBe('gzip')
    expect(await result.json()).toEqual([{ top: 100 }])
  })

  it('rejects the call whose connection is reset, and serves the next one', async () => {
    front.faults.resetNextConnections(1)
    await expect(client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toThrow()
    expect(front.faults.injected.resets).toBe(1)
    const result = await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })
    expect(await result.json()).toEqual([{ one: 1 }])
  })

  it('answers an injected failure with a ClickHouse-style 503', async () => {
    front.faults.failNext(1)
    const failure = await rejection(client.command({ query: 'SELECT 1' }))
    expect(failure).toMatchObject({ code: '202', type: 'TOO_MANY_SIMULTANEOUS_QUERIES' })
    await client.command({ query: 'SELECT 1' })
  })

  it('times the call out when an answer stalls past request_timeout, runs the statement anyway, and keeps serving', async () => {
    const impatient = connect({ request_timeout: 300 })
    front.faults.stall(5_000)
    const started = Date.now()
    const timeout = await rejection(
      impatient.insert({ table: `${DATABASE}.counted`, values: [{ id: 500 }], format: 'JSONEachRow' }),
    )
    expect(String(timeout)).toMatch(/Timeout/)
    expect(Date.now() - started).toBeLessThan(3_000)
    front.faults.clear()

    const result = await impatient.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })
    expect(await result.json()).toEqual([{ one: 1 }])
    expect(await countRows(`${DATABASE}.counted WHERE id = 500`)).toBe(1)
    expect(front.faults.injected.stalls).toBeGreaterThanOrEqual(1)
  })

  it('answers ping, and refuses queries with the wrong password', async () => {
    expect(await client.ping()).toEqual({ success: true })
    expect(await client.ping({ select: true })).toEqual({ success: true })

    const url = new URL(front.url)
    url.password = 'wrong'
    const intruder = connect({ url: url.toString() })
    const refused = await rejection(intruder.query({ query: 'SELECT 1', format: 'JSONEachRow' }))
    expect(refused).toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' })
    expect(await intruder.ping({ select: true })).toMatchObject({ success: false })
  })

  it('counts the requests it receives', async () => {
    const before = front.requestCount()
    await client.ping()
    expect(front.requestCount()).toBe(before + 1)
  })

  it('releases the data directory on close so it can be opened again', async () => {
    await Promise.all(clients.splice(0).map((each) => each.close()))
    await front.close()
    front = await startClickHouseHttpFront({ dataDir, user: USER, password: PASSWORD })
    client = connect()
    expect(await countRows(`${DATABASE}.spans`)).toBe(3)
  })
})

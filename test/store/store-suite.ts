import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { migrate, storeVersion } from '../../src/store/migrate.js'
import { migrations } from '../../src/store/migrations/migrations.js'
import { isStoreMigrationError } from '../../src/store/store-error.js'

/** Columns of `otel_traces` as the contrib clickhouse exporter creates them, in order. */
export const exporterTraceColumns: [string, string][] = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', 'LowCardinality(String)'],
  ['SpanKind', 'LowCardinality(String)'],
  ['ServiceName', 'LowCardinality(String)'],
  ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', 'Map(LowCardinality(String), String)'],
  ['Duration', 'UInt64'],
  ['StatusCode', 'LowCardinality(String)'],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', 'Array(LowCardinality(String))'],
  ['Events.Attributes', 'Array(Map(LowCardinality(String), String))'],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', 'Array(Map(LowCardinality(String), String))'],
  ['ResourceAttributeItems', 'Array(String)'],
  ['SpanAttributeItems', 'Array(String)'],
]

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/** One `otel_traces` row of a model call, as the collector would write it. */
export function modelCallRow(overrides: { spanId?: string; workflow?: string; step?: string; cost?: string; seconds?: number; tags?: Record<string, string>; attributes?: Record<string, string> } = {}): Record<string, unknown> {
  const tags = Object.fromEntries(Object.entries(overrides.tags ?? {}).map(([key, value]) => [`switchyard.tag.${key}`, value]))
  return {
    Timestamp: `${overrides.seconds ?? Math.floor(Date.now() / 1000)}.123456789`,
    TraceId: hex(16),
    SpanId: overrides.spanId ?? hex(8),
    ParentSpanId: hex(8),
    TraceState: '',
    SpanName: 'chat gpt-4.1-mini',
    SpanKind: 'Client',
    ServiceName: 'agent',
    ResourceAttributes: { 'service.name': 'agent' },
    ScopeName: 'switchyard',
    ScopeVersion: '0.1.0',
    SpanAttributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4.1-mini',
      'gen_ai.response.model': 'gpt-4.1-mini-2025-04-14',
      'gen_ai.usage.input_tokens': '1200',
      'gen_ai.usage.output_tokens': '300',
      'gen_ai.usage.cache_read.input_tokens': '1000',
      'gen_ai.workflow.name': overrides.workflow ?? 'support-triage',
      'switchyard.step': overrides.step ?? 'classify',
      'switchyard.attempt': '1',
      'switchyard.cost.usd': overrides.cost ?? '0.000123456789',
      'switchyard.cost.source': 'catalog',
      'switchyard.ttft_ms': '45.5',
      ...tags,
      ...overrides.attributes,
    },
    Duration: '250000000',
    StatusCode: 'Ok',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  }
}

export function jsonLines(rows: Record<string, unknown>[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('')
}

async function queryRows<T>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  // The embedded engine prints 64-bit integers as JSON numbers, a server quotes them:
  // compare both as strings.
  const rows = await result.json<T>()
  return JSON.parse(JSON.stringify(rows), (_key, value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? String(value) : value)) as T[]
}

/**
 * The store behaviours every deployment must share, run once over the embedded
 * engine and once over the ClickHouse HTTP interface.
 */
export function defineStoreSuite(kind: string, openStoreUrl: () => Promise<{ url: string; close(): Promise<void> }>): void {
  describe(`store over ${kind}`, () => {
    let store: Store
    let backend: { url: string; close(): Promise<void> }

    beforeAll(async () => {
      backend = await openStoreUrl()
      store = await createStore({ url: backend.url })
    })
    afterAll(async () => {
      await store?.close()
      await backend?.close()
    })

    it('upgrades an empty store in place, one migration at a time, and records each', async () => {
      const first = await migrate({ store, migrations: migrations.slice(0, 1) })
      expect(first).toEqual({ from: 0, to: 1, applied: [1] })
      const rest = await migrate({ store })
      expect(rest).toEqual({ from: 1, to: migrations.length, applied: migrations.slice(1).map((migration) => migration.version) })
      expect(await storeVersion(store)).toBe(migrations.length)
    })

    it('is idempotent: a second run applies nothing', async () => {
      expect(await migrate({ store })).toEqual({ from: migrations.length, to: migrations.length, applied: [] })
    })

    it('creates otel_traces with exactly the contrib exporter columns, order key and partitioning', async () => {
      const columns = await queryRows<{ name: string; type: string }>(store,
        'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position',
        { table: 'otel_traces' })
      expect(columns.map((column) => [column.name, column.type])).toEqual(exporterTraceColumns)
      const [table] = await queryRows<{ engine: string; sorting_key: string; primary_key: string; partition_key: string }>(store,
        'SELECT engine, sorting_key, primary_key, partition_key FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
        { table: 'otel_traces' })
      expect(table).toEqual({
        engine: 'MergeTree',
        sorting_key: 'ServiceName, SpanName, toDateTime(Timestamp), Timestamp',
        primary_key: 'ServiceName, SpanName, toDateTime(Timestamp)',
        partition_key: 'toDate(Timestamp)',
      })
      const lookup = await queryRows<{ name: string; type: string }>(store,
        'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position',
        { table: 'otel_traces_trace_id_ts' })
      expect(lookup.map((column) => [column.name, column.type])).toEqual([
        ['TraceId', 'String'],
        ['Start', 'SimpleAggregateFunction(min, DateTime)'],
        ['End', 'SimpleAggregateFunction(max, DateTime)'],
      ])
    })

    it('refuses a store at a newer migration than it knows, naming both versions', async () => {
      const error = await migrate({ store, migrations: migrations.slice(0, 2) }).catch((caught: unknown) => caught)
      expect(isStoreMigrationError(error)).toBe(true)
      expect(String(error)).toMatch(new RegExp(`schema version ${migrations.length}, newer than this switchyard knows \\(2\\)`))
    })

    it('applies and removes a retention TTL by configuration', async () => {
      await migrate({ store, retentionDays: 7 })
      const [withTtl] = await queryRows<{ create: string }>(store, 'SELECT create_table_query AS create FROM system.tables WHERE database = currentDatabase() AND name = {table:String}', { table: 'otel_traces' })
      expect(withTtl?.create).toMatch(/TTL toDateTime\(Timestamp\) \+ toIntervalDay\(/)
      await migrate({ store, retentionDays: 0 })
      const [withoutTtl] = await queryRows<{ create: string }>(store, 'SELECT create_table_query AS create FROM system.tables WHERE database = currentDatabase() AND name = {table:String}', { table: 'otel_traces' })
      expect(withoutTtl?.create).not.toMatch(/TTL toDateTime/)
    })

    it('projects model-call spans into llm_calls with typed columns, tags and exact decimal cost', async () => {
      const spanId = hex(8)
      const internal = { ...modelCallRow(), SpanName: 'step classify', SpanKind: 'Internal', SpanAttributes: { 'switchyard.step': 'classify' } }
      await insertJsonRows({
        store,
        table: 'otel_traces',
        body: jsonLines([modelCallRow({ spanId, workflow: 'typed-check', tags: { tenant: 'acme' } }), internal]),
        deduplicationToken: `typed-${hex(4)}`,
      })
      const rows = await queryRows<Record<string, unknown>>(store,
        `SELECT Workflow, Step, Provider, RequestModel, ResponseModel, InputTokens, OutputTokens, CacheReadInputTokens,
                toString(CostUsd) AS Cost, CostSource, DurationNs, TtftMs, StatusCode, Tags, Attempt
         FROM llm_calls WHERE Workflow = {workflow:String}`, { workflow: 'typed-check' })
      expect(rows).toEqual([{
        Workflow: 'typed-check',
        Step: 'classify',
        Provider: 'openai',
        RequestModel: 'gpt-4.1-mini',
        ResponseModel: 'gpt-4.1-mini-2025-04-14',
        InputTokens: '1200',
        OutputTokens: '300',
        CacheReadInputTokens: '1000',
        Cost: '0.000123456789',
        CostSource: 'catalog',
        DurationNs: '250000000',
        TtftMs: 45.5,
        StatusCode: 'Ok',
        Tags: { tenant: 'acme' },
        Attempt: '1',
      }])
    })

    it('fills llm_calls from older GenAI attribute names used by third-party instrumentations, marking cost unknown', async () => {
      const row = modelCallRow({ workflow: 'legacy-names' })
      row.SpanAttributes = {
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.usage.prompt_tokens': '10',
        'gen_ai.usage.completion_tokens': '20',
        'gen_ai.workflow.name': 'legacy-names',
      }
      await insertJsonRows({ store, table: 'otel_traces', body: jsonLines([row]), deduplicationToken: `legacy-${hex(4)}` })
      const rows = await queryRows<Record<string, unknown>>(store,
        "SELECT Provider, InputTokens, OutputTokens, CostSource, toString(CostUsd) AS Cost FROM llm_calls WHERE Workflow = 'legacy-names'")
      expect(rows).toEqual([{ Provider: 'anthropic', InputTokens: '10', OutputTokens: '20', CostSource: 'unknown', Cost: '0' }])
    })

    it('inserts the embedded engine\'s rows as bytes, and deduplicates by token, not by content', async () => {
      // chdb:// takes the bytes as they are; over HTTP the client sends them.
      expect(store.insertBytes !== undefined).toBe(store.location.kind === 'chdb')
      const first = modelCallRow({ workflow: 'token-scope' })
      const second = modelCallRow({ workflow: 'token-scope' })
      await insertJsonRows({ store, table: 'otel_traces', body: Buffer.from(jsonLines([first]), 'utf8'), deduplicationToken: `scope-a-${hex(4)}` })
      // The same rows under a new token are a new batch.
      await insertJsonRows({ store, table: 'otel_traces', body: jsonLines([first]), deduplicationToken: `scope-b-${hex(4)}` })
      await insertJsonRows({ store, table: 'otel_traces', body: jsonLines([second]), deduplicationToken: `scope-c-${hex(4)}` })
      const [counted] = await queryRows<{ total: string }>(store,
        "SELECT count() AS total FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = 'token-scope'")
      expect(counted).toEqual({ total: '3' })
      if (store.insertBytes !== undefined) {
        // The raw insert writes the token into the statement: anything but a plain token is refused.
        await expect(insertJsonRows({ store, table: 'otel_traces', body: jsonLines([second]), deduplicationToken: "x' , max_threads = '1" }))
          .rejects.toThrow(/not a deduplication token/)
      }
    })

    it('never duplicates a re-delivered batch: count() = uniqExact(SpanId) in every table fed from it', async () => {
      const rows = Array.from({ length: 50 }, () => modelCallRow({ workflow: 'dedup-check', cost: '0.000001' }))
      const body = jsonLines(rows)
      const token = `replay-${hex(6)}`
      for (let delivery = 0; delivery < 3; delivery++) {
        await insertJsonRows({ store, table: 'otel_traces', body, deduplicationToken: token })
      }
      const [traces] = await queryRows<{ total: string; unique: string }>(store,
        "SELECT count() AS total, uniqExact(SpanId) AS unique FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = 'dedup-check'")
      expect(traces).toEqual({ total: '50', unique: '50' })
      const [calls] = await queryRows<{ total: string; unique: string }>(store,
        "SELECT count() AS total, uniqExact(SpanId) AS unique FROM llm_calls WHERE Workflow = 'dedup-check'")
      expect(calls).toEqual({ total: '50', unique: '50' })
      const [spend] = await queryRows<{ cost: string; calls: string }>(store,
        "SELECT toString(sum(CostUsd)) AS cost, toString(sum(Calls)) AS calls FROM llm_spend_minute WHERE Workflow = 'dedup-check'")
      expect(spend).toEqual({ cost: '0.00005', calls: '50' })
    })

    it('rolls spend up by minute and hour so a window query reads buckets, not spans', async () => {
      const hourStart = Math.floor(Date.now() / 3_600_000) * 3600 - 7200
      const rows = [
        modelCallRow({ workflow: 'rollup-check', step: 'plan', cost: '0.5', seconds: hourStart + 10 }),
        modelCallRow({ workflow: 'rollup-check', step: 'plan', cost: '0.25', seconds: hourStart + 20 }),
        modelCallRow({ workflow: 'rollup-check', step: 'plan', cost: '0.125', seconds: hourStart + 70 }),
      ]
      await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `rollup-${hex(4)}` })
      const minutes = await queryRows<{ bucket: string; cost: string; calls: string }>(store,
        `SELECT toUnixTimestamp(Bucket) - {start:UInt32} AS bucket, toString(sum(CostUsd)) AS cost, toString(sum(Calls)) AS calls
         FROM llm_spend_minute WHERE Workflow = 'rollup-check' GROUP BY Bucket ORDER BY Bucket`, { start: hourStart })
      expect(minutes).toEqual([
        { bucket: '0', cost: '0.75', calls: '2' },
        { bucket: '60', cost: '0.125', calls: '1' },
      ])
      const hours = await queryRows<{ cost: string }>(store,
        "SELECT toString(sum(CostUsd)) AS cost FROM llm_spend_hour WHERE Workflow = 'rollup-check'")
      expect(hours).toEqual([{ cost: '0.875' }])
    })
  })
}

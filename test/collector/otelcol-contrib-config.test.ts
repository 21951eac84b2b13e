import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { migrations } from '../../src/store/migrations/migrations.js'
import { SERVER_DATABASE } from '../../src/store/store-url.js'

interface CollectorConfig {
  extensions: Record<string, { directory?: string; fsync?: boolean }>
  receivers: { otlp: { protocols: { http: { endpoint: string } } } }
  exporters: {
    clickhouse: {
      endpoint: string
      database: string
      create_schema: boolean
      traces_table_name: string
      sending_queue: { enabled: boolean; storage: string; batch: { min_size: number; max_size: number } }
      retry_on_failure: { enabled: boolean }
    }
  }
  service: { extensions: string[]; pipelines: { traces: { receivers: string[]; exporters: string[] } } }
}

const config = parse(readFileSync(new URL('../../collector/otelcol-contrib.yaml', import.meta.url), 'utf8')) as CollectorConfig
const createdTables = migrations
  .flatMap((migration) => migration.statements)
  .map((statement) => /^CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS (\w+)/.exec(statement)?.[1])
  .filter((name): name is string => name !== undefined)

describe('collector/otelcol-contrib.yaml', () => {
  const exporter = config.exporters.clickhouse

  it('writes the table the migrations create, in the documented server database, without creating schema', () => {
    expect(createdTables).toContain(exporter.traces_table_name)
    // The exporter derives its trace-id lookup table and view from the traces table name.
    expect(createdTables).toContain(`${exporter.traces_table_name}_trace_id_ts`)
    expect(createdTables).toContain(`${exporter.traces_table_name}_trace_id_ts_mv`)
    expect(exporter.database).toBe(SERVER_DATABASE)
    expect(exporter.create_schema).toBe(false)
  })

  it('queues on disk through a declared, enabled file_storage extension, batches and retries', () => {
    expect(exporter.sending_queue.enabled).toBe(true)
    expect(config.extensions[exporter.sending_queue.storage]?.directory).toBeTruthy()
    expect(config.service.extensions).toContain(exporter.sending_queue.storage)
    expect(exporter.sending_queue.batch.max_size).toBeGreaterThanOrEqual(exporter.sending_queue.batch.min_size)
    expect(exporter.retry_on_failure.enabled).toBe(true)
  })

  it('receives OTLP/HTTP on 4318 and routes traces to the clickhouse exporter', () => {
    expect(config.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/)
    expect(config.service.pipelines.traces.receivers).toContain('otlp')
    expect(config.service.pipelines.traces.exporters).toEqual(['clickhouse'])
  })
})

import { afterAll, describe, expect, it } from 'vitest'
import { spanRowColumns } from '../../src/collector/otlp/span-row.js'
import { classifyInsertFailure } from '../../src/store/classify-insert-failure.js'
import { createStore } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { OTEL_TRACES_INSERT_CHECK_TABLE } from '../../src/store/migrations/0006-insert-check-table.js'
import { queuedLines, spanRow, type QueuedRow } from '../helpers/poisoned-batch.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

// The flusher sets a row aside only if the check table refuses it too: the two tables
// must read the collector's rows alike, or a valid row would be set aside (the check too
// strict) or a malformed one would hold up the queue for good (the check too lenient).
const directory = makeTempDirectory('insert-check-table')
afterAll(() => directory.remove())

describe('the table rows are checked against before any is set aside', () => {
  it('has the columns the collector writes into otel_traces, with the same types, and keeps nothing', async () => {
    const store = await createStore({ url: `chdb://${directory.path}` })
    try {
      await migrate({ store })
      const columnsOf = async (table: string): Promise<{ name: string; type: string }[]> => {
        const result = await store.client.query({
          query: 'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} AND default_kind = \'\' ORDER BY position',
          query_params: { table },
          format: 'JSONEachRow',
        })
        return result.json()
      }
      const traces = await columnsOf('otel_traces')
      const check = await columnsOf(OTEL_TRACES_INSERT_CHECK_TABLE)
      expect(check.map((column) => column.name)).toEqual([...spanRowColumns])
      expect(check).toEqual(spanRowColumns.map((name) => traces.find((column) => column.name === name)))

      // Rows both tables take and rows both refuse, with the same error.
      const second = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000)
      const rows: QueuedRow[] = [
        spanRow({ workflow: 'check' }),
        spanRow({ workflow: 'check', startSeconds: 4_294_967_295 }),
        spanRow({ workflow: 'check', overrides: { Timestamp: '0.000000000' } }),
        spanRow({ workflow: 'check', overrides: { Duration: '-5' } }),
        spanRow({ workflow: 'check', overrides: { 'Events.Timestamp': [`${second}.000000000`], 'Events.Name': [], 'Events.Attributes': [] } }),
        { raw: `["${second}.000000000","abc` },
      ]
      const outcomes = async (table: string): Promise<string[]> => {
        const results: string[] = []
        for (const [index, line] of queuedLines(rows).entries()) {
          try {
            await insertJsonRows({ store, table, body: line, columns: spanRowColumns, deduplicationToken: `check-${table}-${index}` })
            results.push('taken')
          } catch (error) {
            results.push(classifyInsertFailure(error).name)
          }
        }
        return results
      }
      const checked = await outcomes(OTEL_TRACES_INSERT_CHECK_TABLE)
      expect(checked).toEqual(await outcomes('otel_traces'))
      expect(checked.slice(0, 4)).toEqual(['taken', 'taken', 'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER'])
      const kept = await store.client.query({ query: `SELECT count() AS rows FROM ${OTEL_TRACES_INSERT_CHECK_TABLE}`, format: 'JSONEachRow' })
      expect(await kept.json()).toEqual([{ rows: 0 }])
    } finally {
      await store.close()
    }
  })
})

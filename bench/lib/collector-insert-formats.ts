import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import { encodeRowsJsonCompact } from '../../src/collector/otlp/encode-rows.js'
import { spanRowColumns } from '../../src/collector/otlp/span-row.js'
import { createStore } from '../../src/store/create-store.js'
import { quoteIdentifier } from '../../src/store/insert-json-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { makeModelCallSpans, serializeSpans } from '../../test/helpers/sdk-spans.js'

/*
 * Not a benchmark: an experiment for issue 18's "a binary insert format?". Inserts the
 * same otel_traces rows into a fresh embedded store (materialized views on) in each
 * text format chdb's raw insert takes, in 20,000-row batches as the collector does, and
 * prints spans/s per format and per insert setting tried. The TabSeparated bytes are the
 * engine's own rendering of the rows (SELECT ... FORMAT TabSeparated), so only the
 * engine's parsing differs, not how JS would write them. chdb's raw insert takes no
 * binary format (RowBinary, Native): see node_modules/chdb/dist/rawInsert.js.
 * Run compiled: `node .switchyard/bench-build/bench/lib/collector-insert-formats.js [--batches 10]`.
 */

const argv = process.argv.slice(2)
const batchesIndex = argv.indexOf('--batches')
const batches = batchesIndex === -1 ? 10 : Number(argv[batchesIndex + 1])
const roundsIndex = argv.indexOf('--rounds')
const rounds = roundsIndex === -1 ? 2 : Number(argv[roundsIndex + 1])
const only = argv.includes('--json-only')
const batchRows = 20_000
const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-insert-formats-'))
const store = await createStore({ url: `chdb://${path.join(directory, 'store')}` })
const insertBytes = store.insertBytes
if (insertBytes === undefined) throw new Error('the embedded store has no raw insert')
try {
  await migrate({ store })
  const bodies = Array.from({ length: 20 }, (_unused, index) => serializeSpans(makeModelCallSpans(1000, { workflow: `ingest-${index % 5}` }), 'protobuf'))
  const json = Buffer.concat(bodies.map((bytes) => encodeRowsJsonCompact(decodeTraceRequestProtobuf(bytes).rows)))
  const columns = spanRowColumns.map(quoteIdentifier).join(', ')
  await store.client.command({ query: `CREATE TABLE rows_copy AS otel_traces ENGINE = Memory` })
  await insertBytes({ table: 'rows_copy', columns: spanRowColumns, format: 'JSONCompactEachRow', body: json, settings: {} })
  const tsvResult = await store.client.query({ query: `SELECT ${columns} FROM rows_copy`, format: 'TabSeparated' })
  const tsv = Buffer.from(await tsvResult.text())
  process.stderr.write(`${batchRows} rows: JSONCompactEachRow ${(json.length / 2 ** 20).toFixed(1)} MiB, TabSeparated ${(tsv.length / 2 ** 20).toFixed(1)} MiB\n`)

  const variants: { name: string; format: 'JSONCompactEachRow'; body: Buffer; settings: Record<string, string> }[] = [
    { name: 'JSONCompactEachRow', format: 'JSONCompactEachRow', body: json, settings: {} },
    { name: 'TabSeparated', format: 'TabSeparated' as 'JSONCompactEachRow', body: tsv, settings: {} },
    { name: 'JSONCompactEachRow, input_format_parallel_parsing 0', format: 'JSONCompactEachRow', body: json, settings: { input_format_parallel_parsing: '0' } },
    { name: 'TabSeparated, input_format_parallel_parsing 0', format: 'TabSeparated' as 'JSONCompactEachRow', body: tsv, settings: { input_format_parallel_parsing: '0' } },
  ]
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      if (only && variant.format !== 'JSONCompactEachRow') continue
      for (const table of ['otel_traces', 'otel_traces_trace_id_ts', 'llm_calls', 'llm_spend_minute', 'llm_spend_hour']) {
        await store.client.command({ query: `TRUNCATE TABLE IF EXISTS ${table}` })
      }
      const started = performance.now()
      for (let batch = 0; batch < batches; batch++) {
        await insertBytes({ table: 'otel_traces', columns: spanRowColumns, format: variant.format, body: variant.body, settings: { ...variant.settings, insert_deduplication_token: `${variant.name.replace(/[^A-Za-z0-9]/g, '')}-${round}-${batch}` } })
      }
      const seconds = (performance.now() - started) / 1000
      process.stderr.write(`round ${round}: ${variant.name}: ${Math.round((batches * batchRows) / seconds)} spans/s\n`)
    }
  }
} finally {
  await store.close()
  rmSync(directory, { recursive: true, force: true })
}
process.exit(0)

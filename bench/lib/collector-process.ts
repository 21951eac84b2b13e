import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { startCollector } from '../../src/collector/collector.js'
import type { CollectorOptions } from '../../src/collector/collector-options.js'
import { spanRowColumns } from '../../src/collector/otlp/span-row.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { serveParent } from './child-process.js'

/*
 * A collector in a process of its own: it owns its chdb data directory (one owner
 * per directory), and its memory is its own to measure. Besides the collector it
 * answers the benchmark's questions about its store, and can do the bare batched
 * insert that the collector's end-to-end rate is compared with, into the same store.
 * Argument: the collector options as JSON; `removeOnClose` names a directory to delete.
 */
const input = JSON.parse(process.argv[2] ?? '{}') as CollectorOptions & { removeOnClose?: string }
const { removeOnClose, ...collectorOptions } = input
const collector = await startCollector(collectorOptions)
const client = collector.store.client

async function count(table: string): Promise<number> {
  const result = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })
  const rows = await result.json<{ n: number | string }>()
  return Number(rows[0]?.n ?? 0)
}

let sampler: NodeJS.Timeout | undefined
let peakRss = 0
let peakHeapTotal = 0
let peakArrayBuffers = 0
/** Every sample of the running sampling, when asked for (`startSampling` with `timeline: true`). */
let timeline: Record<string, number>[] | undefined
let samplingStarted = 0
let rows: Buffer[] = []
// The flusher's count of rows written when the tables were last emptied.
let writtenAtTruncate = 0

/** RSS split into anonymous memory (the V8 heap, malloc, the engine's allocations) and mapped files (libchdb's code), in MiB. */
function residentParts(): Record<string, number> {
  const parts: Record<string, number> = {}
  try {
    for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const match = /^(RssAnon|RssFile):\s+(\d+) kB/.exec(line)
      if (match !== null) parts[`${match[1]}MiB`] = Number(match[2]) / 1024
    }
  } catch {
    // Not Linux: RSS alone.
  }
  return parts
}

/**
 * What the store's engine says about its own memory, in MiB: its memory tracker and
 * every non-empty cache (system.metrics), the merges running (system.merges), and
 * what its allocator holds (system.jemalloc_stats): allocated by the engine, and
 * resident, the difference being freed pages not yet returned. Asked of whatever
 * the store is, so for an http:// store it describes the server. On the embedded
 * engine it runs between the flusher's inserts, not beside them.
 */
async function engineMemory(): Promise<Record<string, number>> {
  const result = await client.query({
    query: `SELECT metric, value / 1048576 AS mebibytes FROM system.metrics
        WHERE metric = 'MemoryTracking' OR (metric LIKE '%CacheBytes' AND value != 0)
      UNION ALL SELECT 'Merges', sum(memory_usage) / 1048576 FROM system.merges`,
    format: 'JSONEachRow',
  })
  const engine: Record<string, number> = {}
  for (const row of await result.json<{ metric: string; mebibytes: number }>()) engine[`${row.metric.replace(/Bytes$/, '')}MiB`] = row.mebibytes
  try {
    const stats = await client.query({ query: 'SELECT stats FROM system.jemalloc_stats', format: 'JSONEachRow' })
    const summary = /Allocated: (\d+), active: \d+, metadata: \d+.*?resident: (\d+)/.exec((await stats.json<{ stats: string }>())[0]?.stats ?? '')
    if (summary !== null) {
      engine.allocatorAllocatedMiB = Number(summary[1]) / 2 ** 20
      engine.allocatorResidentMiB = Number(summary[2]) / 2 ** 20
    }
  } catch {
    // A build without jemalloc has no such table.
  }
  return engine
}

function memory(): Record<string, number> {
  const usage = process.memoryUsage()
  return {
    rssMiB: usage.rss / 2 ** 20,
    heapUsedMiB: usage.heapUsed / 2 ** 20,
    heapTotalMiB: usage.heapTotal / 2 ** 20,
    externalMiB: usage.external / 2 ** 20,
    arrayBuffersMiB: usage.arrayBuffers / 2 ** 20,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    ...residentParts(),
  }
}

serveParent({
  ready: { url: collector.url },
  handlers: {
    drain: async () => {
      await collector.drain(120_000)
      return true
    },
    /**
     * Drain, then wait (at most `timeoutMs` more) until ClickHouse has no merge running and
     * this process used under 5% of a core for 200 ms: the next timed variant should
     * not share the machine with the last one's background work.
     */
    settle: async (payload) => {
      const { timeoutMs } = (payload ?? { timeoutMs: 30_000 }) as { timeoutMs: number }
      // Everything accepted reaches the store whatever the timeout; only the wait for quiet is cut short.
      await collector.drain(120_000)
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const merges = await client.query({ query: 'SELECT count() AS n FROM system.merges', format: 'JSONEachRow' })
        const running = Number((await merges.json<{ n: number | string }>())[0]?.n ?? 0)
        const before = process.cpuUsage()
        await new Promise((resolve) => setTimeout(resolve, 200))
        const used = process.cpuUsage(before)
        const share = (used.user + used.system) / 200_000
        if ((running === 0 && share < 0.05) || Date.now() > deadline) return { running, share }
      }
    },
    counts: async () => ({ traces: await count('otel_traces'), calls: await count('llm_calls') }),
    /**
     * Resolves once `otel_traces` holds at least `traces` rows, gives up after `timeoutMs`.
     * Watches the flusher's count of rows written (an insert's rows are visible when it
     * returns) every 10 ms, and counts the table only then: a `count()` every 10 ms is a
     * store query competing with the inserts it waits for, which the bare insert it is
     * compared with does not have.
     */
    waitForTraces: async (payload) => {
      const { traces, timeoutMs } = payload as { traces: number; timeoutMs: number }
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (collector.metrics.spansWritten - writtenAtTruncate >= traces) {
          const now = await count('otel_traces')
          if (now >= traces) return now
        }
        if (Date.now() > deadline) throw new Error(`only ${await count('otel_traces')} of ${traces} spans visible after ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    truncate: async () => {
      await collector.drain(120_000)
      writtenAtTruncate = collector.metrics.spansWritten
      for (const table of ['otel_traces', 'otel_traces_trace_id_ts', 'llm_calls', 'llm_spend_minute', 'llm_spend_hour']) {
        await client.command({ query: `TRUNCATE TABLE IF EXISTS ${table}` })
      }
      return true
    },
    metrics: () => ({
      requestsTotal: collector.metrics.requestsTotal,
      requestsRejected: collector.metrics.requestsRejected,
      spansAccepted: collector.metrics.spansAccepted,
      spansWritten: collector.metrics.spansWritten,
      batchesWritten: collector.metrics.batchesWritten,
      queueFullResponses: collector.metrics.queueFullResponses,
      requestsShed: collector.metrics.requestsShed,
      spansDeduplicated: collector.metrics.spansDeduplicated,
      seenSpans: collector.seenSpans?.stats(),
      storeErrors: collector.metrics.storeErrors,
      insertSecondsSum: collector.metrics.insertSecondsSum,
      queue: collector.queue.stats(),
    }),
    memory: () => memory(),
    engineMemory: () => engineMemory(),
    startSampling: (payload) => {
      timeline = (payload as { timeline?: boolean } | undefined)?.timeline === true ? [] : undefined
      samplingStarted = performance.now()
      const first = process.memoryUsage()
      peakRss = first.rss
      peakHeapTotal = first.heapTotal
      peakArrayBuffers = first.arrayBuffers
      sampler = setInterval(() => {
        const usage = process.memoryUsage()
        peakRss = Math.max(peakRss, usage.rss)
        peakHeapTotal = Math.max(peakHeapTotal, usage.heapTotal)
        peakArrayBuffers = Math.max(peakArrayBuffers, usage.arrayBuffers)
        timeline?.push({
          ms: Math.round(performance.now() - samplingStarted),
          rssMiB: usage.rss / 2 ** 20,
          heapUsedMiB: usage.heapUsed / 2 ** 20,
          arrayBuffersMiB: usage.arrayBuffers / 2 ** 20,
          ...residentParts(),
          queueBytes: collector.queue.stats().bytes,
          bodyBytes: collector.metrics.bodyMemory?.heldBytes ?? 0,
          queueFull: collector.metrics.queueFullResponses,
          shed: collector.metrics.requestsShed,
          accepted: collector.metrics.spansAccepted,
        })
      }, 20)
      return true
    },
    /** The peaks so far, sampling on: what a burst reached while it was being sent, before its spans were written. */
    peakSoFar: () => ({ peakRssMiB: peakRss / 2 ** 20, peakHeapTotalMiB: peakHeapTotal / 2 ** 20, peakArrayBuffersMiB: peakArrayBuffers / 2 ** 20 }),
    stopSampling: () => {
      if (sampler !== undefined) clearInterval(sampler)
      sampler = undefined
      const samples = timeline
      timeline = undefined
      return { ...(samples === undefined ? {} : { timeline: samples }), peakRssMiB: peakRss / 2 ** 20, peakHeapTotalMiB: peakHeapTotal / 2 ** 20, peakArrayBuffersMiB: peakArrayBuffers / 2 ** 20, ...memory() }
    },
    /** Read pre-encoded JSONCompactEachRow rows (what the collector queues), split into batches of `batchRows`. */
    loadRows: (payload) => {
      const { file, batchRows } = payload as { file: string; batchRows: number }
      const text = readFileSync(file)
      rows = []
      let start = 0
      let lines = 0
      for (let index = 0; index < text.length; index++) {
        if (text[index] !== 0x0a) continue
        lines += 1
        if (lines % batchRows === 0) {
          rows.push(text.subarray(start, index + 1))
          start = index + 1
        }
      }
      if (start < text.length) rows.push(text.subarray(start))
      return { batches: rows.length, lines }
    },
    /** The baseline: the loaded batches inserted one after another, as the flusher does, with no queue in front. */
    bareInsert: async (payload) => {
      const { tokenPrefix } = payload as { tokenPrefix: string }
      const started = performance.now()
      let index = 0
      for (const body of rows) {
        await insertJsonRows({ store: collector.store, table: 'otel_traces', body, columns: spanRowColumns, deduplicationToken: `${tokenPrefix}-${index++}` })
      }
      return { ms: performance.now() - started, batches: rows.length }
    },
  },
  onClose: async () => {
    if (sampler !== undefined) clearInterval(sampler)
    await collector.close()
    if (removeOnClose !== undefined) await rm(removeOnClose, { recursive: true, force: true })
  },
})

import { writeFileSync } from 'node:fs'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import { encodeRowsJsonCompact } from '../../src/collector/otlp/encode-rows.js'
import { makeModelCallSpans, serializeSpans } from '../../test/helpers/sdk-spans.js'
import { startClickHouseFront, type ClickHouseFront } from './clickhouse-front.js'
import { startCollectorProcess } from './collector.js'
import { sendSpanBodies } from './otlp-sender.js'
import { UniqueSpanBodies } from './unique-span-bodies.js'

/*
 * Not a benchmark: a probe of where a collector's memory goes during the bursts of
 * collector-ingest, for finding why an 8× burst peaks higher than a 2× one. Runs the
 * same bursts into one embedded-store collector (queue of `--queue-mib`, 8 by default as
 * in quick mode) and prints, per burst, the peak RSS with its parts (anonymous memory,
 * V8 heap, array buffers) and a timeline sampled every 20 ms; `--out <file>` keeps the
 * whole timeline as JSON; `--http` puts the store in another process, as the bench's second
 * pair of bursts does. Run compiled: `node .switchyard/bench-build/bench/lib/collector-burst-probe.js`.
 */

const argv = process.argv.slice(2)
const argument = (name: string, fallback: string): string => {
  const index = argv.indexOf(name)
  return index === -1 ? fallback : (argv[index + 1] ?? fallback)
}
const queueMaxBytes = Number(argument('--queue-mib', '8')) * 2 ** 20
const multiples = argument('--multiples', '2,8').split(',').map(Number)
const out = argument('--out', '')
const spansPerRequest = 1000
const timelineEvery = Number(argument('--every', '3'))

const generated = Array.from({ length: 10 }, (_unused, index) => serializeSpans(makeModelCallSpans(spansPerRequest, { workflow: `ingest-${index % 5}` }), 'protobuf'))
const bodies = new UniqueSpanBodies(generated)
const rowBytes = encodeRowsJsonCompact(decodeTraceRequestProtobuf(bodies.original(0)).rows).length / spansPerRequest
const front: ClickHouseFront | undefined = argv.includes('--http') ? await startClickHouseFront() : undefined
const collector = await startCollectorProcess({ fsync: 'always', queueMaxBytes, batchBytes: Math.min(8 * 2 ** 20, queueMaxBytes / 2), ...(front === undefined ? {} : { store: front.url }) })
const report: Record<string, unknown>[] = []
try {
  await sendSpanBodies({ url: collector.url, bodies, requests: 5, concurrency: 8, retryFullAfterMs: 50, maxMs: 30_000 })
  await collector.request('settle', { timeoutMs: 30_000 })
  const idle = await collector.request<Record<string, number>>('memory')
  process.stderr.write(`idle: rss ${idle.rssMiB?.toFixed(0)} anon ${idle.RssAnonMiB?.toFixed(0)} heap ${idle.heapUsedMiB?.toFixed(0)} arrayBuffers ${idle.arrayBuffersMiB?.toFixed(0)} MiB\n`)
  for (const multiple of multiples) {
    const requests = Math.ceil((multiple * queueMaxBytes) / (rowBytes * spansPerRequest))
    await collector.request('startSampling', { timeline: true })
    const sent = await sendSpanBodies({ url: collector.url, bodies, requests: bodies.count * Math.ceil(requests / bodies.count), concurrency: 32, maxMs: 120_000 })
    const sentMs = sent.ms
    const engine = await collector.request<Record<string, number>>('engineMemory')
    await collector.request('settle', { timeoutMs: 120_000 })
    const sampled = await collector.request<{ peakRssMiB: number; timeline: Record<string, number>[] }>('stopSampling')
    process.stderr.write(`  (sent in ${sentMs.toFixed(0)} ms; sampled through the drain and settle)\n`)
    const peak = sampled.timeline.reduce((best, sample) => ((sample.rssMiB ?? 0) > (best.rssMiB ?? 0) ? sample : best), sampled.timeline[0] ?? {})
    process.stderr.write(`burst ${multiple}×: ${sent.acceptedSpans} accepted, ${sent.refusedRequests} refused, ${sent.ms.toFixed(0)} ms; peak rss ${sampled.peakRssMiB.toFixed(0)} MiB at ${peak.ms} ms (anon ${peak.RssAnonMiB?.toFixed(0)}, heap ${peak.heapUsedMiB?.toFixed(0)}, arrayBuffers ${peak.arrayBuffersMiB?.toFixed(0)}); engine allocator resident ${engine.allocatorResidentMiB?.toFixed(0)} allocated ${engine.allocatorAllocatedMiB?.toFixed(0)}\n`)
    for (const [index, sample] of sampled.timeline.entries()) {
      if (index % timelineEvery !== 0) continue
      process.stderr.write(`  ${String(sample.ms).padStart(5)} ms rss ${sample.rssMiB?.toFixed(0)} anon ${sample.RssAnonMiB?.toFixed(0)} heap ${sample.heapUsedMiB?.toFixed(0)} ab ${sample.arrayBuffersMiB?.toFixed(0)} queue ${((sample.queueBytes ?? 0) / 2 ** 20).toFixed(1)} bodies ${((sample.bodyBytes ?? 0) / 2 ** 20).toFixed(1)} full ${sample.queueFull} shed ${sample.shed} accepted ${sample.accepted}\n`)
    }
    report.push({ multiple, sent, engine, ...sampled })
  }
} finally {
  await collector.close()
  await front?.close()
}
if (out !== '') writeFileSync(out, JSON.stringify({ queueMaxBytes, rowBytes, report }, null, 2))
process.exit(0)

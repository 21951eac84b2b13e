import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { decodeTraceRequestProtobuf } from '../../src/collector/otlp/decode-protobuf.js'
import { encodeRowsJsonCompact } from '../../src/collector/otlp/encode-rows.js'
import { makeModelCallSpans, serializeSpans } from '../../test/helpers/sdk-spans.js'
import { startCollectorProcess } from './collector.js'
import { sendSpanBodies } from './otlp-sender.js'
import { UniqueSpanBodies } from './unique-span-bodies.js'

/*
 * Not a benchmark: collector-ingest's throughput rounds alone, smaller, for trying a
 * change without the bursts. `--spans <n>` per round (default 200,000, a multiple of
 * 20,000 so that the last batch seals by rows, not by age), `--rounds <n>` (default 3);
 * each round runs the collector end to end, then the bare insert of the same rows, and
 * prints both with their ratio, and the CPU time the collector process (its JavaScript
 * and the engine's threads) spent per span in each: on a machine shared with other work
 * the rates swing by 2x between rounds, CPU per span much less. `--profile-collector` starts the collector with
 * --cpu-prof (profile in bench/results/profiles/probe). Run compiled:
 * `node .switchyard/bench-build/bench/lib/collector-throughput-probe.js`.
 */

const argv = process.argv.slice(2)
const argument = (name: string, fallback: number): number => {
  const index = argv.indexOf(name)
  return index === -1 ? fallback : Number(argv[index + 1])
}
const spansPerRequest = 1000
const totalSpans = argument('--spans', 200_000)
const rounds = argument('--rounds', 3)
const execArgv = argv.includes('--profile-collector') ? ['--cpu-prof', '--cpu-prof-dir', path.resolve('bench/results/profiles/probe')] : []

const generated = Array.from({ length: 20 }, (_unused, index) => serializeSpans(makeModelCallSpans(spansPerRequest, { workflow: `ingest-${index % 5}` }), 'protobuf'))
const bodies = new UniqueSpanBodies(generated)
const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-probe-rows-'))
const rowsFile = path.join(scratch, 'rows.jsonl')
writeFileSync(rowsFile, Buffer.concat(generated.map((bytes) => encodeRowsJsonCompact(decodeTraceRequestProtobuf(bytes).rows))))
const collector = await startCollectorProcess({ fsync: 'always' }, execArgv)

/** CPU seconds (user + system, every thread) the collector process has used so far; Linux only. */
function cpuSeconds(): number {
  const fields = readFileSync(`/proc/${collector.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
try {
  await sendSpanBodies({ url: collector.url, bodies, requests: 5, concurrency: 8, retryFullAfterMs: 50, maxMs: 30_000 })
  await collector.request('settle', { timeoutMs: 30_000 })
  const loaded = await collector.request<{ batches: number; lines: number }>('loadRows', { file: rowsFile, batchRows: 20_000 })
  for (let round = 1; round <= rounds; round++) {
    await collector.request('truncate')
    let started = performance.now()
    let cpuBefore = cpuSeconds()
    const sent = await sendSpanBodies({ url: collector.url, bodies, requests: totalSpans / spansPerRequest, concurrency: 8, retryFullAfterMs: 50, maxMs: 300_000 })
    if (sent.otherErrors > 0) throw new Error(`sending failed: ${sent.firstError}`)
    await collector.request('waitForTraces', { traces: totalSpans, timeoutMs: 300_000 }, 310_000)
    const endToEnd = totalSpans / ((performance.now() - started) / 1000)
    const collectorCpu = cpuSeconds() - cpuBefore
    await collector.request('settle', { timeoutMs: 60_000 })
    await collector.request('truncate')
    started = performance.now()
    cpuBefore = cpuSeconds()
    const passes = totalSpans / loaded.lines
    for (let pass = 0; pass < passes; pass++) await collector.request('bareInsert', { tokenPrefix: `probe-${Date.now()}-${pass}` }, 600_000)
    const bare = totalSpans / ((performance.now() - started) / 1000)
    const bareCpu = cpuSeconds() - cpuBefore
    await collector.request('settle', { timeoutMs: 60_000 })
    process.stderr.write(`round ${round}: collector ${Math.round(endToEnd)} spans/s (accepted ${Math.round(sent.acceptedSpans / (sent.ms / 1000))}), bare ${Math.round(bare)} spans/s, ratio ${(endToEnd / bare).toFixed(3)}; CPU per span: collector ${(collectorCpu * 1e6 / totalSpans).toFixed(1)} us, bare ${(bareCpu * 1e6 / totalSpans).toFixed(1)} us (bare / collector ${(bareCpu / collectorCpu).toFixed(3)})\n`)
  }
} finally {
  await collector.close()
  rmSync(scratch, { recursive: true, force: true })
}
process.exit(0)

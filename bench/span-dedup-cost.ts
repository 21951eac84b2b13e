import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { decodeTraceRequestProtobuf } from '../src/collector/otlp/decode-protobuf.js'
import { SeenSpans } from '../src/collector/span-dedup/seen-spans.js'
import { SpanKeyHasher } from '../src/collector/span-dedup/span-key-hasher.js'
import { makeModelCallSpans, serializeSpans } from '../test/helpers/sdk-spans.js'

/*
 * npx tsx bench/span-dedup-cost.ts
 *
 * What remembering spans adds to the collector's hot path, per span. The collector
 * decodes a request and then reserves its spans while its rows are still in cache, so
 * that is what is timed: decode alone, then decode + reserve + commit (keyed hash, claim,
 * generation tag, journal record), with the set of 2^20 spans (the default, 18 MiB)
 * empty, half full and full (forgetting an eighth early each time it fills). Every span
 * is new, the costly case: a duplicate stops at the lookup. Also the keyed hash alone.
 * A median of rounds; a figure, not a test.
 */

const spansPerRequest = 500
const requestsPerRound = 40
const rounds = 7
const limits = { maxAttributeValueBytes: 65_536, maxSpans: 100_000 }

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Median ns per span of `run` over each round's bodies. */
function nanosecondsPerSpan(roundsOfBodies: Buffer[][], run: (body: Buffer) => void): number {
  const samples: number[] = []
  for (const bodies of roundsOfBodies) {
    const started = process.hrtime.bigint()
    for (const body of bodies) run(body)
    samples.push(Number(process.hrtime.bigint() - started) / (bodies.length * spansPerRequest))
  }
  return median(samples)
}

const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-dedup-bench-'))
try {
  const roundsOfBodies = Array.from({ length: rounds }, () =>
    Array.from({ length: requestsPerRound }, () => serializeSpans(makeModelCallSpans(spansPerRequest), 'protobuf')))

  const decodeOnly = nanosecondsPerSpan(roundsOfBodies, (body) => {
    decodeTraceRequestProtobuf(body, limits)
  })
  const hasher = new SpanKeyHasher(new Uint8Array(16).fill(7))
  const hash = nanosecondsPerSpan(roundsOfBodies, (body) => {
    for (const row of decodeTraceRequestProtobuf(body, limits).rows) hasher.hash(row.TraceId, row.SpanId)
  }) - decodeOnly

  const withSet = async (fill: number): Promise<number> => {
    const seen = await SeenSpans.open({ dir: path.join(directory, `fill-${fill}`), windowMs: 3_600_000, maxSpans: 2 ** 20 })
    const fillerBody = serializeSpans(makeModelCallSpans(1_000), 'protobuf')
    const filler = decodeTraceRequestProtobuf(fillerBody, limits).rows
    for (let added = 0; added < fill * 2 ** 20; added += filler.length) {
      for (const row of filler) row.SpanId = randomBytes(8).toString('hex')
      seen.reserve(filler).commit()
    }
    const figure = nanosecondsPerSpan(roundsOfBodies, (body) => {
      seen.reserve(decodeTraceRequestProtobuf(body, limits).rows).commit()
    })
    await seen.close()
    return figure - decodeOnly
  }
  const empty = await withSet(0)
  const half = await withSet(0.5)
  const full = await withSet(1)

  const line = (label: string, nanoseconds: number): string => `${label.padEnd(62)} ${nanoseconds.toFixed(0).padStart(6)} ns/span`
  console.log(line('decode protobuf (the collector does it anyway)', decodeOnly))
  console.log(line('added: keyed hash alone (SipHash-1-3 of TraceId, SpanId)', hash))
  console.log(line('added: reserve + commit, set empty', empty))
  console.log(line('added: reserve + commit, set half full (512k spans)', half))
  console.log(line('added: reserve + commit, set full (1M spans, forgetting early)', full))
  console.log(`at 50,000 spans/s, the full case is ${((full * 50_000) / 1e7).toFixed(2)} % of one core`)
} finally {
  rmSync(directory, { recursive: true, force: true })
}

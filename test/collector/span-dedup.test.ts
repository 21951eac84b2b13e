import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeRowsJsonCompact } from '../../src/collector/otlp/encode-rows.js'
import { newAttributeMap } from '../../src/collector/otlp/attribute-map.js'
import { newSpanRow } from '../../src/collector/otlp/new-span-row.js'
import type { SpanRow } from '../../src/collector/otlp/span-row.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { SeenSpans, type SeenSpansOptions } from '../../src/collector/span-dedup/seen-spans.js'
import { SpanKeyHasher } from '../../src/collector/span-dedup/span-key-hasher.js'
import { SpanKeyTable } from '../../src/collector/span-dedup/span-key-table.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('span-dedup')
afterAll(() => directory.remove())
let nextDirectory = 0
/** A full garbage collection, without starting the test process with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

function freshDirectory(): string {
  nextDirectory += 1
  return path.join(directory.path, `case-${nextDirectory}`)
}

/** Rows with fresh random ids (as an SDK makes them), every column set as the decoders set it. */
function spanRows(count: number): SpanRow[] {
  return Array.from({ length: count }, () => {
    const row = newSpanRow(newAttributeMap())
    row.TraceId = randomBytes(16).toString('hex')
    row.SpanId = randomBytes(8).toString('hex')
    row.Timestamp = '1767225600.000000005'
    return row
  })
}

/** A clock the test moves, and a set on it. */
function openSeen(options: Partial<SeenSpansOptions> & { dir: string }, clock = { now: 1_800_000_000_000 }): Promise<SeenSpans> {
  return SeenSpans.open({ windowMs: 3_600_000, maxSpans: 4096, now: () => clock.now, ...options })
}

// SipHash from its definition, over BigInt: slow and obviously right, to check the fast one.
const mask64 = (1n << 64n) - 1n
const rotl = (value: bigint, bits: bigint): bigint => ((value << bits) | (value >> (64n - bits))) & mask64
function referenceSipHash(key: Uint8Array, message: Uint8Array, compressionRounds: number, finalizationRounds: number): bigint {
  const k0 = Buffer.from(key).readBigUInt64LE(0)
  const k1 = Buffer.from(key).readBigUInt64LE(8)
  const v = [k0 ^ 0x736f6d6570736575n, k1 ^ 0x646f72616e646f6dn, k0 ^ 0x6c7967656e657261n, k1 ^ 0x7465646279746573n]
  const round = (): void => {
    v[0] = (v[0]! + v[1]!) & mask64; v[1] = rotl(v[1]!, 13n) ^ v[0]; v[0] = rotl(v[0], 32n)
    v[2] = (v[2]! + v[3]!) & mask64; v[3] = rotl(v[3]!, 16n) ^ v[2]
    v[0] = (v[0] + v[3]) & mask64; v[3] = rotl(v[3], 21n) ^ v[0]
    v[2] = (v[2] + v[1]) & mask64; v[1] = rotl(v[1], 17n) ^ v[2]; v[2] = rotl(v[2], 32n)
  }
  const whole = message.length - (message.length % 8)
  const blocks: bigint[] = []
  for (let offset = 0; offset < whole; offset += 8) blocks.push(Buffer.from(message).readBigUInt64LE(offset))
  let last = BigInt(message.length & 0xff) << 56n
  for (let index = whole; index < message.length; index++) last |= BigInt(message[index]!) << BigInt(8 * (index - whole))
  blocks.push(last)
  for (const block of blocks) {
    v[3]! ^= block
    for (let count = 0; count < compressionRounds; count++) round()
    v[0]! ^= block
  }
  v[2]! ^= 0xffn
  for (let count = 0; count < finalizationRounds; count++) round()
  return v[0]! ^ v[1]! ^ v[2]! ^ v[3]!
}

describe('the span key hash', () => {
  const paperKey = Uint8Array.from({ length: 16 }, (_, index) => index)

  it('is SipHash-1-3 of the ids under the secret key (the reference checked against the SipHash paper)', () => {
    // The paper's test vectors for SipHash-2-4, key 00..0f: the empty message and 00..0e.
    expect(referenceSipHash(paperKey, new Uint8Array(0), 2, 4)).toBe(0x726fdb47dd0e0e31n)
    expect(referenceSipHash(paperKey, Uint8Array.from({ length: 15 }, (_, index) => index), 2, 4)).toBe(0xa129ca6149be45e5n)
    for (let sample = 0; sample < 200; sample++) {
      const key = randomBytes(16)
      const traceId = sample === 0 ? '' : randomBytes(16).toString('hex')
      const spanId = randomBytes(8).toString('hex')
      const hasher = new SpanKeyHasher(key)
      expect(hasher.hash(traceId, spanId)).toBe(true)
      // The message: the trace id's halves and the span id, each a little-endian 64-bit word.
      const message = Buffer.alloc(24)
      const words = [(traceId || '0'.repeat(32)).slice(0, 16), (traceId || '0'.repeat(32)).slice(16), spanId]
      words.forEach((word, index) => message.writeBigUInt64LE(BigInt(`0x${word}`), index * 8))
      const expected = referenceSipHash(key, message, 1, 3)
      expect((BigInt(hasher.high) << 32n) | BigInt(hasher.low)).toBe(expected)
    }
  })

  it('differs under another key, and refuses ids that are not hex of their length', () => {
    const traceId = randomBytes(16).toString('hex')
    const spanId = randomBytes(8).toString('hex')
    const first = new SpanKeyHasher(randomBytes(16))
    const second = new SpanKeyHasher(randomBytes(16))
    first.hash(traceId, spanId)
    second.hash(traceId, spanId)
    expect([first.high, first.low]).not.toEqual([second.high, second.low])
    expect(first.hash(traceId, 'zz' + spanId.slice(2))).toBe(false)
    expect(first.hash(traceId.slice(1), spanId)).toBe(false)
    expect(first.hash(traceId, spanId + '0')).toBe(false)
    expect(first.hash(traceId, 'é' + spanId.slice(1))).toBe(false)
  })
})

describe('the span key table', () => {
  it('finds every key it holds and none it dropped, through inserts, removals and dropped generations', () => {
    const table = new SpanKeyTable({ capacity: 512 })
    expect(table.slots).toBe(1024)
    const model = new Map<string, { high: number; low: number; tag: number }>()
    let seed = 7
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0
      return seed
    }
    for (let step = 0; step < 20_000; step++) {
      const choice = random() % 10
      if (choice < 6 && model.size < 500) {
        // Few home slots, so probe runs are long and wrap around the end of the array.
        const low = ((random() % 8) * 1024 + 1020 + (random() % 8)) >>> 0
        const high = random()
        const tag = 1 + (random() % 4)
        const slot = table.findOrInsert(high, low, tag)
        if (slot < 0) model.set(`${high}:${low}`, { high, low, tag })
      } else if (choice < 9 && model.size > 0) {
        const keys = [...model.keys()]
        const key = keys[random() % keys.length]!
        const entry = model.get(key)!
        table.remove(table.find(entry.high, entry.low))
        model.delete(key)
      } else {
        const dropped = new Uint8Array(256)
        dropped[1 + (random() % 4)] = 1
        const removed = table.removeTags(dropped)
        let expected = 0
        for (const [key, entry] of model) {
          if (dropped[entry.tag] === 1) {
            model.delete(key)
            expected += 1
          }
        }
        expect(removed).toBe(expected)
      }
      if (step % 500 === 0 || step === 19_999) {
        expect(table.size).toBe(model.size)
        for (const entry of model.values()) {
          const slot = table.find(entry.high, entry.low)
          expect(slot).toBeGreaterThanOrEqual(0)
          expect(table.tagAt(slot)).toBe(entry.tag)
        }
        for (let tag = 1; tag <= 4; tag++) expect(table.count(tag)).toBe([...model.values()].filter((entry) => entry.tag === tag).length)
      }
    }
  })
})

describe('the set of seen spans', () => {
  it('leaves out spans accepted before and repeats within a request, and takes back spans whose append failed', async () => {
    const seen = await openSeen({ dir: freshDirectory() })
    const rows = spanRows(10)
    const first = seen.reserve([...rows, rows[0]!, rows[3]!])
    expect(first.rows).toEqual(rows)
    expect(first.duplicates).toBe(2)
    first.commit()
    expect(await first.othersAccepted()).toBe(true)

    const fresh = spanRows(5)
    const again = seen.reserve([...fresh, ...rows])
    expect(again.rows).toEqual(fresh)
    expect(again.duplicates).toBe(10)
    // The append failed: nothing of it is remembered, so the client's retry is taken whole.
    again.release()
    const retry = seen.reserve([...fresh, ...rows])
    expect(retry.rows).toEqual(fresh)
    retry.commit()
    expect(seen.stats()).toMatchObject({ spans: 15, pending: 0 })
    await seen.close()
  })

  it('makes a request that shares spans with one in flight wait for it, and refuse if that append failed', async () => {
    const seen = await openSeen({ dir: freshDirectory() })
    const shared = spanRows(4)
    const own = spanRows(3)

    const writing = seen.reserve(shared)
    const retried = seen.reserve([...own, ...shared])
    expect(retried.rows).toEqual(own)
    expect(retried.waitsForOthers).toBe(true)
    retried.commit()
    let answered: boolean | undefined
    const waiting = retried.othersAccepted().then((accepted) => { answered = accepted })
    await new Promise((resolve) => setImmediate(resolve))
    expect(answered).toBeUndefined()
    writing.release()
    await waiting
    expect(answered).toBe(false)
    // The client sends it again: the shared spans are taken now, its own ones not twice.
    const again = seen.reserve([...own, ...shared])
    expect(again.rows).toEqual(shared)
    again.commit()

    const secondShared = spanRows(2)
    const first = seen.reserve(secondShared)
    const second = seen.reserve(secondShared)
    expect(second.rows).toEqual([])
    first.commit()
    second.commit()
    expect(await second.othersAccepted()).toBe(true)
    await seen.close()
  })

  it('remembers a span for the window and forgets it after, also across a restart', async () => {
    const dir = freshDirectory()
    const clock = { now: 1_800_000_000_000 }
    const seen = await openSeen({ dir, windowMs: 80_000 }, clock)
    const rows = spanRows(3)
    seen.reserve(rows).commit()
    clock.now += 79_000
    expect(seen.reserve(rows).duplicates).toBe(3)
    await seen.beforeAck()
    await seen.close()

    const reopened = await openSeen({ dir, windowMs: 80_000 }, clock)
    expect(reopened.reserve(rows).duplicates).toBe(3)
    // The journal keeps whole seconds: a span is remembered a second longer at most.
    clock.now += 2_000
    const later = reopened.reserve(rows)
    expect(later.duplicates).toBe(0)
    later.release()
    await reopened.close()
    clock.now += 80_000
    const expired = await openSeen({ dir, windowMs: 80_000 }, clock)
    expect(expired.stats().spans).toBe(0)
    await expired.close()
    // Files of generations that left the window are deleted.
    expect(readdirSync(dir).filter((name) => name.endsWith('.keys'))).toHaveLength(0)
  })

  it('when full, forgets the oldest eighth early and counts it; its memory is fixed at 18 bytes a span', async () => {
    const seen = await openSeen({ dir: freshDirectory(), maxSpans: 1024 })
    expect(seen.stats().bytes).toBe(18 * 1024)
    const batches = Array.from({ length: 24 }, () => spanRows(64))
    for (const rows of batches) seen.reserve(rows).commit()
    const stats = seen.stats()
    expect(stats.spans).toBeLessThanOrEqual(1024)
    expect(stats.evictedSpans).toBe(24 * 64 - stats.spans)
    expect(stats.evictedSpans).toBeGreaterThan(0)
    // The newest are remembered, the oldest are not.
    expect(seen.reserve(batches.at(-1)!).duplicates).toBe(64)
    const oldest = seen.reserve(batches[0]!)
    expect(oldest.duplicates).toBe(0)
    oldest.release()
    await seen.close()

    const large = await openSeen({ dir: freshDirectory(), maxSpans: 2 ** 20 })
    expect(large.stats().bytes).toBe(18 * 2 ** 20)
    expect(large.stats().bytes).toBeLessThan(32 * 2 ** 20)
    await large.close()
  })

  it('after a crash between the queue\'s fsync and the journal, remembers the spans from the queue\'s segments, and journals them before they are deleted', async () => {
    const root = freshDirectory()
    const queueDirectory = path.join(root, 'queue')
    const seenDirectory = path.join(queueDirectory, 'seen-spans')
    const rows = spanRows(50)

    const queue = await SegmentQueue.open({ dir: queueDirectory })
    const seen = await openSeen({ dir: seenDirectory, queuedSegments: queue.sealed() })
    const reservation = seen.reserve(rows)
    await queue.append(encodeRowsJsonCompact(reservation.rows), reservation.rows.length)
    reservation.commit()
    // The process dies here: the journal's gathered records never reached the disk.
    await queue.close()
    expect(readdirSync(seenDirectory).filter((name) => name.endsWith('.keys'))).toHaveLength(0)

    const reopenedQueue = await SegmentQueue.open({ dir: queueDirectory })
    const reopened = await openSeen({ dir: seenDirectory, queuedSegments: reopenedQueue.sealed() })
    expect(reopened.reserve(rows).duplicates).toBe(50)
    // The flusher writes the segment, makes the journal durable, then deletes the segment.
    const segment = await reopenedQueue.nextSealed()
    await reopened.beforeAck()
    await reopenedQueue.ack(segment.seq)
    await reopenedQueue.close()

    // A second crash: only the journal is left to remember them.
    const last = await openSeen({ dir: seenDirectory })
    expect(last.reserve(rows).duplicates).toBe(50)
    await last.close()
    await reopened.close()
  })

  it('ignores a torn journal tail, and repairs a journal whose file was lost before a segment is deleted', async () => {
    const dir = freshDirectory()
    const seen = await openSeen({ dir })
    const rows = spanRows(20)
    seen.reserve(rows).commit()
    await seen.beforeAck()
    await seen.close()
    const [journal] = readdirSync(dir).filter((name) => name.endsWith('.keys'))
    // A crash in the middle of a record leaves part of it.
    await appendFile(path.join(dir, journal!), Buffer.from([1, 2, 3, 4, 5]))

    const reopened = await openSeen({ dir })
    expect(reopened.reserve(rows).duplicates).toBe(20)
    // The directory goes away under the journal: its next write fails, and so does the
    // rewrite, so beforeAck refuses (the flusher keeps the segment) until it can write.
    const more = spanRows(10)
    reopened.reserve(more).commit()
    renameSync(dir, `${dir}-moved`)
    await expect(reopened.beforeAck()).rejects.toThrow(/seen-spans journal/)
    mkdirSync(dir)
    renameSync(path.join(`${dir}-moved`, 'hash-key'), path.join(dir, 'hash-key'))
    rmSync(`${dir}-moved`, { recursive: true })
    await reopened.beforeAck()
    expect(reopened.stats().journalErrors).toBe(2)
    await reopened.close()

    const last = await openSeen({ dir })
    expect(last.reserve([...rows, ...more]).duplicates).toBe(30)
    await last.close()
  })

  it('holds no reference to a request\'s rows once they are taken, while the claim waits for its append', async () => {
    const seen = await openSeen({ dir: freshDirectory() })
    // A request, and another in flight with one of its spans, so each holds the other.
    const shared = spanRows(1)
    const writing = seen.reserve(shared)
    let rows: SpanRow[] | undefined = [...spanRows(200), ...shared]
    const claim = seen.reserve(rows)
    const taken = new WeakRef(claim.takeRows())
    const decoded = new WeakRef(rows)
    rows = undefined
    expect(claim.rows).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    collectGarbage()
    // Both claims are still pending (as during a slow fsync), yet the rows are gone.
    expect(seen.stats().pending).toBe(201)
    expect(taken.deref()).toBeUndefined()
    expect(decoded.deref()).toBeUndefined()
    writing.commit()
    claim.commit()
    expect(await claim.othersAccepted()).toBe(true)
    await seen.close()
  })

  it('keeps claims of requests in flight out of what it counts as remembered', async () => {
    const seen = await openSeen({ dir: freshDirectory() })
    const claim = seen.reserve(spanRows(7))
    expect(seen.stats()).toMatchObject({ spans: 0, pending: 7 })
    claim.release()
    expect(seen.stats()).toMatchObject({ spans: 0, pending: 0 })
    await seen.close()
  })
})

import { mkdir, unlink } from 'node:fs/promises'
import { diag } from '@opentelemetry/api'
import type { SpanRow } from '../otlp/span-row.js'
import type { SealedSegment } from '../queue/sealed-segment.js'
import { forEachQueuedSpanId } from './queued-span-ids.js'
import { SeenSpansJournal } from './seen-spans-journal.js'
import { SEEN_SPANS_RECORD_BYTES, listSeenSpansFiles, readSeenSpansFile } from './seen-spans-file.js'
import { readOrCreateSpanKeyHashKey } from './span-key-hash-key.js'
import { SpanKeyHasher } from './span-key-hasher.js'
import { MAX_GENERATION_TAG, PENDING_TAG, SLOT_BYTES, SpanKeyTable } from './span-key-table.js'
import { SpanReservation, type ReservationOwner } from './span-reservation.js'

/** A window is remembered as this many generations, so it is forgotten an eighth at a time. */
const GENERATIONS_PER_WINDOW = 8
/** More generations than this (only after many short runs) are merged, oldest first, at start. */
const MAX_GENERATIONS = 32

export interface SeenSpansOptions {
  /** Where the journal and the hash key live (created if missing); one set per queue directory. */
  dir: string
  /** How long an accepted span is remembered, at least (unless the set is full). */
  windowMs: number
  /** Bound on remembered spans; memory is fixed at about 18 bytes per span of it (see SpanKeyTable). */
  maxSpans: number
  /** The queue's segments still on disk at start: their spans were accepted, whatever the journal holds. */
  queuedSegments?: readonly SealedSegment[]
  /** The clock, in unix milliseconds; tests move it. */
  now?: () => number
}

export interface SeenSpansStats {
  /** Spans remembered (accepted within the window). */
  spans: number
  /** Spans claimed by requests whose append has not settled. */
  pending: number
  maxSpans: number
  /** Bytes of the set's memory, fixed at start. */
  bytes: number
  /** How far back the set remembers now, in ms: the window, or less after it evicted early. */
  reachMs: number
  /** Spans forgotten before their window ended because the set was full. */
  evictedSpans: number
  /** Spans accepted without being remembered: no room even after evicting, or ids not hex. */
  untrackedSpans: number
  /** Journal failures (each repaired by a rewrite before the next queue segment is deleted). */
  journalErrors: number
}

interface Generation {
  tag: number
  /** Journal files holding this generation's keys (several only for merged old runs). */
  seqs: number[]
  openedAtMs: number
  lastAcceptedMs: number
}

/**
 * The spans this collector accepted within a window, so a span an OTLP client sends
 * again (its request timed out, the answer was lost, the collector was killed after
 * writing the queue) is dropped before it reaches the queue, and counted once.
 *
 * Keys are SipHash-1-3 of (TraceId, SpanId) under a random secret key kept with the
 * state, in a fixed-size SpanKeyTable, each tagged with its generation: a window is
 * eight generations, each closed after an eighth of the window or an eighth of
 * `maxSpans`, and dropped whole once the window has passed its last span. When the
 * table is full the oldest generation goes early, counted in `evictedSpans`.
 *
 * A span is remembered only once its request's append succeeded (`reserve`, then the
 * reservation's `commit` or `release`). Across restarts the set is rebuilt from its
 * journal and from the spans of the queue's segments still on disk; `beforeAck`
 * makes the journal durable before the flusher deletes a segment, so at every moment
 * each accepted span is in the journal on disk or in a segment on disk.
 */
export class SeenSpans implements ReservationOwner {
  readonly #options: Required<Omit<SeenSpansOptions, 'queuedSegments'>>
  readonly #table: SpanKeyTable
  readonly #hasher: SpanKeyHasher
  readonly #journal: SeenSpansJournal
  readonly #generations: Generation[] = []
  readonly #inFlight = new Set<SpanReservation>()
  readonly #generationMs: number
  readonly #generationMaxSpans: number
  readonly #dropTags = new Uint8Array(256)
  #lastSeq: number
  #lastTag = 0
  #evictedSpans = 0
  #untrackedSpans = 0
  #journalErrors = 0

  private constructor(fields: { options: Required<Omit<SeenSpansOptions, 'queuedSegments'>>; hashKey: Uint8Array; firstSeq: number }) {
    this.#options = fields.options
    this.#table = new SpanKeyTable({ capacity: fields.options.maxSpans })
    this.#hasher = new SpanKeyHasher(fields.hashKey)
    this.#generationMs = Math.max(1, Math.ceil(fields.options.windowMs / GENERATIONS_PER_WINDOW))
    this.#generationMaxSpans = Math.max(1, Math.ceil(fields.options.maxSpans / GENERATIONS_PER_WINDOW))
    this.#lastSeq = fields.firstSeq
    this.#journal = new SeenSpansJournal({ dir: fields.options.dir, seq: this.#lastSeq })
  }

  /**
   * Opens the set in `options.dir`: loads the journal's spans still inside the window,
   * then remembers every span of `queuedSegments` (journaling them, since a crash may
   * have come before they were). Call before the flusher starts, so no segment is
   * deleted before its spans are read.
   */
  static async open(options: SeenSpansOptions): Promise<SeenSpans> {
    if (!(options.windowMs > 0) || !Number.isSafeInteger(options.windowMs)) throw new RangeError(`the seen-spans window is a positive whole number of ms, got ${options.windowMs}`)
    await mkdir(options.dir, { recursive: true })
    const hashKey = await readOrCreateSpanKeyHashKey(options.dir)
    const files = await listSeenSpansFiles(options.dir)
    const resolved = { dir: options.dir, windowMs: options.windowMs, maxSpans: options.maxSpans, now: options.now ?? Date.now }
    const seen = new SeenSpans({ options: resolved, hashKey, firstSeq: (files.at(-1)?.seq ?? 0) + 1 })
    for (const { seq, file } of files) await seen.#loadJournalFile(seq, file)
    seen.#generations.push(seen.#newGeneration(seen.#journal.seq, resolved.now()))
    for (const segment of options.queuedSegments ?? []) await seen.#rememberSegment(segment)
    return seen
  }

  /**
   * Claims the keys of a request's spans before its append. Spans remembered or claimed
   * by a request in flight, and repeats within the request, are left out of the
   * reservation's rows. Synchronous: nothing else runs between the check and the claim.
   */
  reserve(rows: readonly SpanRow[]): SpanReservation {
    const now = this.#options.now()
    this.#advance(now)
    const table = this.#table
    const hasher = this.#hasher
    const keys = new Uint32Array(rows.length * 2)
    let count = 0
    let kept: SpanRow[] | undefined
    let duplicates = 0
    let untracked = 0
    let waiting: number[] | undefined
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index]!
      if (!hasher.hash(row.TraceId, row.SpanId)) {
        untracked += 1
        kept?.push(row)
        continue
      }
      const { high, low } = hasher
      const slot = table.findOrInsert(high, low, PENDING_TAG)
      if (slot < 0) {
        if (table.size > this.#options.maxSpans && !this.#makeRoom(now)) {
          table.remove(~slot)
          untracked += 1
        } else {
          keys[count * 2] = high
          keys[count * 2 + 1] = low
          count += 1
        }
        kept?.push(row)
        continue
      }
      // Left out: remembered, or claimed (by this request or another in flight).
      kept ??= rows.slice(0, index)
      duplicates += 1
      if (table.tagAt(slot) === PENDING_TAG) (waiting ??= []).push(high, low)
    }
    this.#untrackedSpans += untracked
    const reservation = new SpanReservation({
      owner: this,
      rows: kept ?? rows,
      duplicates,
      untracked,
      keys,
      count,
      waiting: waiting ?? [],
      earlier: waiting === undefined ? [] : [...this.#inFlight],
    })
    if (count > 0) this.#inFlight.add(reservation)
    return reservation
  }

  /** Makes the journal durable; the flusher awaits it before deleting a queue segment. Repairs a failed journal first. */
  async beforeAck(): Promise<void> {
    try {
      await this.#journal.sync()
      return
    } catch (error) {
      this.#journalErrors += 1
      diag.error(`switchyard collector: ${String(error)}; rewriting the journal of seen spans`)
    }
    await this.#rewriteJournal()
  }

  stats(): SeenSpansStats {
    const now = this.#options.now()
    this.#advance(now)
    const pending = this.#table.count(PENDING_TAG)
    const oldest = this.#generations.find((generation) => this.#table.count(generation.tag) > 0)
    return {
      spans: this.#table.size - pending,
      pending,
      maxSpans: this.#options.maxSpans,
      bytes: this.#table.bytes,
      reachMs: oldest === undefined ? this.#options.windowMs : Math.min(this.#options.windowMs, Math.max(0, now - oldest.openedAtMs)),
      evictedSpans: this.#evictedSpans,
      untrackedSpans: this.#untrackedSpans,
      journalErrors: this.#journalErrors,
    }
  }

  /** Writes and fdatasyncs the journal and closes it. */
  async close(): Promise<void> {
    await this.#journal.close()
  }

  commitKeys(keys: Uint32Array, count: number): void {
    const now = this.#options.now()
    this.#advance(now)
    const table = this.#table
    const seconds = Math.floor(now / 1000)
    let current = this.#current()
    for (let index = 0; index < count; index++) {
      const high = keys[index * 2]!
      const low = keys[index * 2 + 1]!
      const slot = table.find(high, low)
      if (slot < 0 || table.tagAt(slot) !== PENDING_TAG) continue
      if (table.count(current.tag) >= this.#generationMaxSpans) current = this.#rotate(now)
      table.setTag(slot, current.tag)
      current.lastAcceptedMs = now
      this.#journal.append(high, low, seconds)
    }
  }

  releaseKeys(keys: Uint32Array, count: number): void {
    const table = this.#table
    for (let index = 0; index < count; index++) {
      const slot = table.find(keys[index * 2]!, keys[index * 2 + 1]!)
      if (slot >= 0 && table.tagAt(slot) === PENDING_TAG) table.remove(slot)
    }
  }

  isRemembered(high: number, low: number): boolean {
    const slot = this.#table.find(high, low)
    return slot >= 0 && this.#table.tagAt(slot) !== PENDING_TAG
  }

  settled(reservation: SpanReservation): void {
    this.#inFlight.delete(reservation)
  }

  #current(): Generation {
    return this.#generations[this.#generations.length - 1]!
  }

  #newGeneration(seq: number, now: number): Generation {
    let tag = this.#lastTag
    do {
      tag = tag >= MAX_GENERATION_TAG ? 1 : tag + 1
    } while (this.#generations.some((generation) => generation.tag === tag))
    this.#lastTag = tag
    return { tag, seqs: [seq], openedAtMs: now, lastAcceptedMs: now }
  }

  /** Closes the current generation and opens the next, with its own journal file. */
  #rotate(now: number): Generation {
    if (this.#generations.length >= MAX_GENERATIONS) this.#drop(1, { early: true })
    const seq = this.#lastSeq + 1
    this.#lastSeq = seq
    this.#journal.startFile(seq)
    const generation = this.#newGeneration(seq, now)
    this.#generations.push(generation)
    return generation
  }

  /** Drops generations whose last span left the window; closes the current one after its eighth of the window. */
  #advance(now: number): void {
    const current = this.#current()
    if (now - current.openedAtMs >= this.#generationMs) {
      // An empty generation is reused rather than closed: idle time makes no files.
      if (this.#table.count(current.tag) === 0) current.openedAtMs = now
      else this.#rotate(now)
    }
    let expired = 0
    while (expired < this.#generations.length - 1 && now - this.#generations[expired]!.lastAcceptedMs >= this.#options.windowMs) expired += 1
    if (expired > 0) this.#drop(expired, { early: false })
  }

  /** Frees room by dropping the oldest generation before its time; false if only claims fill the set. */
  #makeRoom(now: number): boolean {
    if (this.#generations.length === 1) {
      if (this.#table.count(this.#current().tag) === 0) return false
      this.#rotate(now)
    }
    this.#drop(1, { early: true })
    return true
  }

  /** Removes the `count` oldest generations from the table (one pass) and their journal files. */
  #drop(count: number, options: { early: boolean }): void {
    const dropped = this.#generations.splice(0, count)
    const tags = this.#dropTags
    tags.fill(0)
    for (const generation of dropped) {
      tags[generation.tag] = 1
      if (options.early) this.#evictedSpans += this.#table.count(generation.tag)
    }
    this.#table.removeTags(tags)
    for (const generation of dropped) {
      for (const seq of generation.seqs) this.#journal.removeFile(seq)
    }
  }

  async #loadJournalFile(seq: number, file: string): Promise<void> {
    const records = await readSeenSpansFile(file)
    const oldestKept = Math.floor((this.#options.now() - this.#options.windowMs) / 1000)
    let generation: Generation | undefined
    for (let offset = 0; offset < records.length; offset += SEEN_SPANS_RECORD_BYTES) {
      const seconds = records.readUInt32LE(offset + 8)
      // Times are whole seconds, rounded down: a span of that second may be younger by up to a second.
      if (seconds < oldestKept) continue
      generation ??= this.#loadingGeneration(seq, seconds * 1000)
      if (this.#table.size >= this.#options.maxSpans) {
        if (this.#generations[0] === generation) {
          this.#evictedSpans += 1
          continue
        }
        this.#drop(1, { early: true })
      }
      this.#table.findOrInsert(records.readUInt32LE(offset), records.readUInt32LE(offset + 4), generation.tag)
      generation.lastAcceptedMs = Math.max(generation.lastAcceptedMs, seconds * 1000 + 999)
    }
    if (generation === undefined) await unlink(file).catch(() => undefined)
  }

  /** One generation per journal file; past MAX_GENERATIONS the newer files all join the last one. */
  #loadingGeneration(seq: number, firstAcceptedMs: number): Generation {
    const newest = this.#generations.at(-1)
    if (newest !== undefined && this.#generations.length >= MAX_GENERATIONS - 1) {
      newest.seqs.push(seq)
      return newest
    }
    const generation = this.#newGeneration(seq, firstAcceptedMs)
    this.#generations.push(generation)
    return generation
  }

  /** Remembers (and journals) the spans of a segment left on disk by the previous run. */
  async #rememberSegment(segment: SealedSegment): Promise<void> {
    let payload: Buffer
    try {
      payload = await segment.read()
    } catch (error) {
      // The flusher cannot read it either: it stays on disk and is counted there.
      diag.warn(`switchyard collector: cannot read batch ${segment.token} to remember its spans: ${String(error)}`)
      return
    }
    const now = this.#options.now()
    const seconds = Math.floor(now / 1000)
    forEachQueuedSpanId(payload, (traceId, spanId) => {
      if (!this.#hasher.hash(traceId, spanId)) return
      const { high, low } = this.#hasher
      let current = this.#current()
      if (this.#table.count(current.tag) >= this.#generationMaxSpans) current = this.#rotate(now)
      if (this.#table.find(high, low) >= 0) return
      if (this.#table.size >= this.#options.maxSpans && !this.#makeRoom(now)) {
        this.#untrackedSpans += 1
        return
      }
      current = this.#current()
      this.#table.findOrInsert(high, low, current.tag)
      current.lastAcceptedMs = now
      this.#journal.append(high, low, seconds)
    })
  }

  /** Writes every remembered span into one new journal file and deletes the others; the current generation owns it. */
  async #rewriteJournal(): Promise<void> {
    const seq = this.#lastSeq + 1
    this.#lastSeq = seq
    let written: Generation[] = []
    await this.#journal.rewrite(seq, (append) => {
      // Read when the rewrite runs: it replaces everything gathered until then.
      written = [...this.#generations]
      const live = new Uint8Array(256)
      const secondsByTag = new Float64Array(256)
      for (const generation of written) {
        live[generation.tag] = 1
        secondsByTag[generation.tag] = Math.floor(generation.lastAcceptedMs / 1000)
      }
      secondsByTag[this.#current().tag] = Math.floor(this.#options.now() / 1000)
      this.#table.forEach(live, (high, low, tag) => append(high, low, secondsByTag[tag]!))
    })
    // Files before the new one are gone; the newest generation owns it (files opened since stay theirs).
    for (const generation of written) generation.seqs = generation.seqs.filter((other) => other > seq)
    written.at(-1)?.seqs.push(seq)
  }
}

/** Bytes of memory per remembered span when the set holds `maxSpans` (a power of two): 18. */
export const SEEN_SPAN_BYTES = SLOT_BYTES * 2

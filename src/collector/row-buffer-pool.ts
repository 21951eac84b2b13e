/**
 * Reusable memory for the encoded rows of one request, from encoding until its queue
 * append settles.
 *
 * A request's rows (about 570 KB for 1,000 spans) are too large for Node's small-buffer
 * pool, so each fresh `Buffer.allocUnsafe` got memory the process had never touched, or
 * had just handed back to the kernel, and paid a page fault for every 4 KiB written.
 * Measured on this project's 2-vCPU machine, in a loop writing rows already encoded:
 * 2 µs a span into fresh memory, 0.1 µs into memory written once before.
 *
 * Slabs come in size classes a quarter of a doubling apart, in whole pages, so a request
 * holds at most 19 % more memory than its rows, plus a page, while its append waits. Bounded: requests under
 * `minPooledBytes` (Node pools most of those itself) or over `maxPooledBytes` take
 * exact-size buffers, and at most `maxFreeBytes` of slabs wait free; past that a
 * released slab is left to the garbage collector.
 */
export class RowBufferPool {
  readonly minPooledBytes: number
  readonly maxPooledBytes: number
  readonly maxFreeBytes: number
  readonly #free = new Map<number, ArrayBuffer[]>()
  #freeBytes = 0
  #slabsDropped = 0
  // Slabs handed out and not yet released: a second release of one buffer, or the release
  // of a buffer that is not a slab, is ignored rather than let two requests share memory.
  readonly #inUse = new Set<ArrayBuffer>()

  constructor(options: { minPooledBytes?: number; maxPooledBytes?: number; maxFreeBytes?: number } = {}) {
    this.minPooledBytes = options.minPooledBytes ?? 64 * 1024
    this.maxPooledBytes = options.maxPooledBytes ?? 4 * 1024 * 1024
    this.maxFreeBytes = options.maxFreeBytes ?? 8 * 1024 * 1024
    for (const name of ['minPooledBytes', 'maxPooledBytes', 'maxFreeBytes'] as const) {
      const value = this[name]
      if (!(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`RowBufferPool: ${name} must be a non-negative integer, got ${value}`)
    }
    if (this.minPooledBytes > this.maxPooledBytes) throw new RangeError(`RowBufferPool: minPooledBytes (${this.minPooledBytes}) is over maxPooledBytes (${this.maxPooledBytes})`)
  }

  /** A buffer of exactly `bytes` bytes, uninitialized: a view of a slab when one fits. */
  acquire(bytes: number): Buffer {
    if (bytes < this.minPooledBytes || bytes > this.maxPooledBytes) return Buffer.allocUnsafe(bytes)
    const slabBytes = slabSize(bytes)
    const slab = this.#free.get(slabBytes)?.pop()
    if (slab !== undefined) this.#freeBytes -= slabBytes
    const taken = slab ?? new ArrayBuffer(slabBytes)
    this.#inUse.add(taken)
    return Buffer.from(taken, 0, bytes)
  }

  /** Gives back a buffer from `acquire` once nothing reads it any more; any other buffer is ignored. */
  release(buffer: Buffer): void {
    const slab = buffer.buffer
    if (!(slab instanceof ArrayBuffer) || !this.#inUse.delete(slab)) return
    if (this.#freeBytes + slab.byteLength > this.maxFreeBytes) {
      this.#slabsDropped += 1
      return
    }
    const list = this.#free.get(slab.byteLength)
    if (list === undefined) this.#free.set(slab.byteLength, [slab])
    else list.push(slab)
    this.#freeBytes += slab.byteLength
  }

  /** Bytes of slabs waiting free, slabs handed out, and slabs left to the garbage collector because the free ones were at their bound. */
  stats(): { freeBytes: number; slabsInUse: number; slabsDropped: number } {
    return { freeBytes: this.#freeBytes, slabsInUse: this.#inUse.size, slabsDropped: this.#slabsDropped }
  }
}

const pageBytes = 4096

/** The slab for `bytes`: the next size class, 2^(k/4) pages rounded up to a page, so at most 19 % and a page above it. */
export function slabSize(bytes: number): number {
  const pages = Math.max(1, Math.ceil(bytes / pageBytes))
  const steps = Math.ceil(4 * Math.log2(pages) - 1e-9)
  return Math.max(pages, Math.ceil(2 ** (steps / 4))) * pageBytes
}

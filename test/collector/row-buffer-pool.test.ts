import { describe, expect, it } from 'vitest'
import { RowBufferPool, slabSize } from '../../src/collector/row-buffer-pool.js'

const kib = 1024

describe('RowBufferPool', () => {
  it('hands out buffers of exactly the size asked, and a released slab to the next request of its class', () => {
    const pool = new RowBufferPool()
    const first = pool.acquire(570 * kib)
    expect(first).toHaveLength(570 * kib)
    const slab = first.buffer
    pool.release(first)
    const second = pool.acquire(560 * kib)
    expect(second).toHaveLength(560 * kib)
    expect(second.buffer).toBe(slab)
    expect(pool.stats()).toEqual({ freeBytes: 0, slabsInUse: 1, slabsDropped: 0 })
  })

  it('never hands the same memory to two requests that hold it at once', () => {
    const pool = new RowBufferPool()
    const first = pool.acquire(300 * kib)
    const second = pool.acquire(300 * kib)
    expect(second.buffer).not.toBe(first.buffer)
  })

  it('ignores a second release of one buffer, so it cannot be handed out twice', () => {
    const pool = new RowBufferPool()
    const buffer = pool.acquire(300 * kib)
    pool.release(buffer)
    pool.release(buffer)
    const first = pool.acquire(300 * kib)
    const second = pool.acquire(300 * kib)
    expect(first.buffer).toBe(buffer.buffer)
    expect(second.buffer).not.toBe(first.buffer)
  })

  it('gives small and very large requests their own exact buffers, and ignores buffers it did not make', () => {
    const pool = new RowBufferPool({ minPooledBytes: 64 * kib, maxPooledBytes: 1024 * kib })
    for (const bytes of [10, 64 * kib - 1, 1024 * kib + 1]) {
      const buffer = pool.acquire(bytes)
      expect(buffer).toHaveLength(bytes)
      pool.release(buffer)
    }
    pool.release(Buffer.alloc(300 * kib))
    expect(pool.stats()).toEqual({ freeBytes: 0, slabsInUse: 0, slabsDropped: 0 })
  })

  it('keeps at most maxFreeBytes of slabs free', () => {
    const pool = new RowBufferPool({ maxFreeBytes: 1024 * kib })
    const buffers = Array.from({ length: 6 }, () => pool.acquire(300 * kib))
    for (const buffer of buffers) pool.release(buffer)
    const { freeBytes, slabsInUse, slabsDropped } = pool.stats()
    expect(slabsInUse).toBe(0)
    expect(slabsDropped).toBe(6 - freeBytes / slabSize(300 * kib))
    expect(freeBytes).toBeLessThanOrEqual(1024 * kib)
    expect(freeBytes).toBeGreaterThan(1024 * kib - slabSize(300 * kib))
  })

  it('refuses a bound that is not a non-negative integer, naming it', () => {
    expect(() => new RowBufferPool({ maxFreeBytes: -1 })).toThrow(/maxFreeBytes/)
    expect(() => new RowBufferPool({ minPooledBytes: 1.5 })).toThrow(/minPooledBytes/)
    expect(() => new RowBufferPool({ minPooledBytes: 2048, maxPooledBytes: 1024 })).toThrow(/minPooledBytes \(2048\) is over maxPooledBytes/)
  })
})

describe('slabSize', () => {
  it('rounds up to whole pages in classes a quarter of a doubling apart: never below the request, at most 19 % and a page above', () => {
    let previous = 0
    for (let bytes = 1; bytes <= 8 * 1024 * kib; bytes = Math.ceil(bytes * 1.037) + 1) {
      const size = slabSize(bytes)
      expect(size).toBeGreaterThanOrEqual(bytes)
      expect(size % 4096).toBe(0)
      if (bytes > 16 * 4096) expect(size / bytes).toBeLessThanOrEqual(1.19 + 4096 / bytes)
      expect(size).toBeGreaterThanOrEqual(previous)
      previous = size
    }
    expect(slabSize(128 * 4096)).toBe(128 * 4096)
    expect(slabSize(570 * kib)).toBe(slabSize(560 * kib))
  })
})

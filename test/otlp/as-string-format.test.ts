import { describe, expect, it } from 'vitest'
import { compareUtf8, formatDouble, jsonObjectText, quoteJsonString } from '../../src/collector/otlp/pdata-as-string.js'
import { int64Text } from '../../src/collector/otlp/protobuf-reader.js'
import { durationText, nanosOfSecond, splitUnixNanosText, timestampText, unixTimeProblem, wholeSeconds } from '../../src/collector/otlp/unix-nanos.js'
import { truncateUtf8 } from '../../src/collector/otlp/utf8-truncate.js'

function seededBigUint64(seed: number): () => bigint {
  let state = BigInt(seed)
  return () => {
    // xorshift64*
    state ^= state >> 12n
    state ^= (state << 25n) & 0xffff_ffff_ffff_ffffn
    state ^= state >> 27n
    return (state * 0x2545f4914f6cdd1dn) & 0xffff_ffff_ffff_ffffn
  }
}

describe('double formatting like pdata float64AsString', () => {
  it.each([
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [123_456_789_012_345_680_000, '123456789012345680000'],
    [0.000001, '0.000001'],
    [1e-7, '1e-7'],
    [-1.5e-300, '-1.5e-300'],
    [5e-324, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [-0, '-0'],
    [0, '0'],
    [Number.NaN, 'json: unsupported value: NaN'],
    [Number.POSITIVE_INFINITY, 'json: unsupported value: +Inf'],
    [Number.NEGATIVE_INFINITY, 'json: unsupported value: -Inf'],
  ])('%s is %s', (value, text) => {
    expect(formatDouble(value)).toBe(text)
  })
})

describe('Go JSON text', () => {
  it('quotes strings as encoding/json does without HTML escaping', () => {
    expect(quoteJsonString('<a href="x">&</a>')).toBe('"<a href=\\"x\\">&</a>"')
    expect(quoteJsonString('\u2028\u2029\b\f\n\r\t\u0001\u007f')).toBe('"\\u2028\\u2029\\b\\f\\n\\r\\t\\u0001\u007f"')
  })

  it('sorts map keys by UTF-8 bytes and keeps the last duplicate', () => {
    const keys = ['😀', '\uff01', 'b', 'B', 'é', 'a', 'b']
    expect([...keys].sort(compareUtf8)).toEqual(['B', 'a', 'b', 'b', 'é', '\uff01', '😀'])
    expect(jsonObjectText(['b', 'a', 'b'], ['1', '2', '3'])).toBe('{"a":2,"b":3}')
  })
})

describe('unix nanosecond arithmetic', () => {
  it('splits any uint64 into exact seconds and nanoseconds', () => {
    const next = seededBigUint64(42)
    const lastStorable = 4_294_967_296_000_000_000n - 1n
    const samples = [0n, 1n, 999_999_999n, 1_000_000_000n, 2n ** 53n + 1n, 2n ** 64n - 1n, 1_767_225_600_123_456_789n, lastStorable, lastStorable + 1n]
    for (let index = 0; index < 5000; index++) samples.push(index % 2 === 0 ? next() : next() % (lastStorable + 1n))
    for (const value of samples) {
      const low = Number(value & 0xffff_ffffn)
      const high = Number(value >> 32n)
      const nanos = nanosOfSecond(low, high)
      const seconds = wholeSeconds(low, high, nanos)
      expect([seconds, nanos]).toEqual([Number(value / 1_000_000_000n), Number(value % 1_000_000_000n)])
      expect(splitUnixNanosText(value.toString())).toEqual([seconds, nanos])
      const problem = unixTimeProblem(seconds, nanos)
      if (value === 0n) expect(problem).toBe('is missing (0)')
      else if (value > lastStorable) expect(problem).toMatch(/^is after 2106-02-07T06:28:15.999999999Z/)
      else expect(problem).toBeUndefined()
      if (problem !== undefined) continue
      expect(timestampText(seconds, nanos)).toBe(`${String(value / 1_000_000_000n).padStart(10, '0')}.${String(value % 1_000_000_000n).padStart(9, '0')}`)
    }
  })

  it('subtracts exactly, and gives 0 when the end precedes the start', () => {
    const next = seededBigUint64(7)
    const split = (value: bigint): [number, number] => [Number(value / 1_000_000_000n), Number(value % 1_000_000_000n)]
    for (let index = 0; index < 2000; index++) {
      const [first, second] = [next(), index % 2 === 0 ? next() : next() >> BigInt(index % 60)]
      const [start, end] = first < second ? [first, second] : [second, first]
      expect(durationText(...split(start), ...split(end))).toBe((end - start).toString())
      if (start !== end) expect(durationText(...split(end), ...split(start))).toBe('0')
    }
  })

  it('refuses text that is not a uint64', () => {
    for (const text of ['', '-1', '1.5', '1e9', '18446744073709551616', '123456789012345678901', ' 1']) expect(splitUnixNanosText(text)).toBeUndefined()
  })
})

describe('int64 text', () => {
  it('matches BigInt for any two 32-bit halves', () => {
    const next = seededBigUint64(99)
    const samples = [0n, 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n - 2n ** 32n, 2n ** 32n]
    for (let index = 0; index < 5000; index++) samples.push(index % 3 === 0 ? next() >> BigInt(index % 64) : next())
    for (const value of samples) {
      expect(int64Text(Number(value & 0xffff_ffffn), Number(value >> 32n))).toBe(BigInt.asIntN(64, value).toString())
    }
  })
})

describe('truncateUtf8', () => {
  it('never splits a character and never exceeds the limit', () => {
    const text = 'aé€😀'.repeat(50)
    for (let limit = 0; limit < 200; limit++) {
      const cut = truncateUtf8(text, limit)
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(limit)
      expect(text.startsWith(cut)).toBe(true)
      expect(Buffer.byteLength(cut)).toBeGreaterThan(limit - 4)
    }
  })
})

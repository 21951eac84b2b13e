import { describe, expect, it } from 'vitest'
import { decodeTraceRequestProtobuf, isOtlpDecodeError } from '../../src/collector/otlp/decode-protobuf.js'
import { callAttributes, recordSdkSpans, toProtobuf, withAttributes } from './sdk-spans.js'

/** A small seeded PRNG (mulberry32), so every run fuzzes the same inputs. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296
  }
}

type Outcome = 'decoded' | 'refused'

/** Decodes, allowing only a clean result or an OtlpDecodeError: any other throw fails the test. */
function outcomeOf(bytes: Uint8Array): Outcome {
  try {
    const result = decodeTraceRequestProtobuf(bytes)
    expect(result.rows.length + result.rejected).toBeGreaterThanOrEqual(0)
    return 'decoded'
  } catch (error) {
    if (isOtlpDecodeError(error)) return 'refused'
    throw error
  }
}

const { spans } = recordSdkSpans()
const { 'test.huge': _huge, ...smallAttributes } = callAttributes
const request = toProtobuf(spans.map((span) => (span.name === 'chat gpt-4o' ? withAttributes(span, smallAttributes) : span)))

describe('protobuf decoding of damaged input', () => {
  it('either decodes or refuses every truncation of a real request, and refuses cuts inside a message', () => {
    const outcomes = new Map<Outcome, number>([
      ['decoded', 0],
      ['refused', 0],
    ])
    for (let length = 0; length < request.length; length++) {
      const outcome = outcomeOf(request.subarray(0, length))
      outcomes.set(outcome, outcomes.get(outcome)! + 1)
    }
    // The whole request is one resource_spans field: only the empty prefix is a valid message.
    expect(outcomes.get('decoded')).toBe(1)
    expect(outcomes.get('refused')).toBe(request.length - 1)
    expect(outcomeOf(request)).toBe('decoded')
  })

  it('never crashes or hangs on seeded random garbage', () => {
    const random = seededRandom(0x5eed)
    for (let round = 0; round < 3000; round++) {
      const bytes = new Uint8Array(Math.floor(random() * 400))
      for (let index = 0; index < bytes.length; index++) bytes[index] = Math.floor(random() * 256)
      // Half the inputs start like a request, to get past the first tag.
      if (round % 2 === 0 && bytes.length > 2) {
        bytes[0] = 0x0a
        bytes[1] = Math.min(bytes.length - 2, 0x7f)
      }
      outcomeOf(bytes)
    }
  })

  it('never crashes or hangs on seeded byte mutations of a real request', () => {
    const random = seededRandom(0xbad5eed)
    const outcomes = { decoded: 0, refused: 0 }
    for (let round = 0; round < 3000; round++) {
      const bytes = request.slice()
      const flips = 1 + Math.floor(random() * 4)
      for (let flip = 0; flip < flips; flip++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      outcomes[outcomeOf(bytes)]++
    }
    // Both outcomes occur, so the mutations reach deep into the message tree.
    expect(outcomes.decoded).toBeGreaterThan(100)
    expect(outcomes.refused).toBeGreaterThan(100)
  })
})

import { cachedAscii } from './ascii-string-cache.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import { utf8CutEnd } from './utf8-truncate.js'

export const wireVarint = 0
export const wireFixed64 = 1
export const wireLengthDelimited = 2
const wireStartGroup = 3
const wireEndGroup = 4
export const wireFixed32 = 5

const wireTypeNames = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32']
const maxGroupDepth = 64

/** The field numbers a message knows and the wire type each must arrive with. */
export interface MessageSchema {
  name: string
  /** Indexed by field number: [field name, wire type]. */
  fields: readonly (readonly [name: string, wireType: number] | undefined)[]
}

export function messageSchema(name: string, fields: Record<number, readonly [string, number]>): MessageSchema {
  const table: (readonly [string, number] | undefined)[] = []
  for (const [number, field] of Object.entries(fields)) table[Number(number)] = field
  return { name, fields: table }
}

/**
 * A cursor over protobuf wire data. Every read takes the end of the enclosing message and
 * fails with OtlpDecodeError, naming the byte offset, instead of reading past it, so
 * truncated or hostile input can neither crash the decoder nor make it loop.
 * 64-bit varints and fixed64 values land in `low`/`high` (32 bits each) to avoid allocating.
 */
export class ProtobufReader {
  readonly bytes: Uint8Array
  pos = 0
  low = 0
  high = 0
  readonly #view: DataView
  readonly #text: Buffer

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.#text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  fail(message: string, offset: number = this.pos): never {
    throw new OtlpDecodeError({ code: 'malformed_protobuf', message: `protobuf: ${message} at byte ${offset}`, offset })
  }

  /** A field tag: `fieldNumber << 3 | wireType`. */
  readTag(end: number): number {
    const pos = this.pos
    if (pos < end) {
      // Field numbers up to 15 with any wire type fit one byte: the common case.
      const first = this.bytes[pos]!
      if (first >= 8 && first < 0x80) {
        this.pos = pos + 1
        return first
      }
    }
    const tag = this.readUint32(end, 'tag')
    if (tag < 8) this.fail(`field number 0 in tag ${tag}`, pos)
    return tag
  }

  /** An unsigned varint that must fit 32 bits (tags and lengths). */
  readUint32(end: number, what: string): number {
    const bytes = this.bytes
    const start = this.pos
    let pos = start
    let value = 0
    let scale = 1
    for (let count = 0; count < 5; count++) {
      if (pos >= end) this.fail(`truncated ${what} varint`, start)
      const byte = bytes[pos++]!
      value += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (value > 0xffffffff) break
        this.pos = pos
        return value
      }
      scale *= 128
    }
    return this.fail(`${what} varint does not fit 32 bits`, start)
  }

  /** A varint of up to 64 bits into `low`/`high`. */
  readVarint64(end: number): void {
    const bytes = this.bytes
    const start = this.pos
    let pos = start
    let low = 0
    let high = 0
    let byte = 0
    // Bytes 0-3 fill bits 0-27 of the low half.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) this.fail('truncated varint', start)
      byte = bytes[pos++]!
      low |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        this.pos = pos
        this.low = low >>> 0
        this.high = 0
        return
      }
    }
    // Byte 4 straddles the halves: 4 bits low, 3 bits high.
    if (pos >= end) this.fail('truncated varint', start)
    byte = bytes[pos++]!
    low |= (byte & 0x0f) << 28
    high = (byte & 0x7f) >> 4
    if (byte >= 0x80) {
      // Bytes 5-9 fill bits 3-31 of the high half; a 10th continuation byte is an error.
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) this.fail('varint longer than 10 bytes', start)
        if (pos >= end) this.fail('truncated varint', start)
        byte = bytes[pos++]!
        high |= (byte & 0x7f) << shift
        if (byte < 0x80) break
      }
    }
    this.pos = pos
    this.low = low >>> 0
    this.high = high >>> 0
  }

  /** The low 32 bits of a varint as a signed int32 (enums are int32 on the wire as varints). */
  readInt32(end: number): number {
    this.readVarint64(end)
    return this.low | 0
  }

  readBool(end: number): boolean {
    this.readVarint64(end)
    return (this.low | this.high) !== 0
  }

  readFixed64(end: number): void {
    const pos = this.pos
    if (end - pos < 8) this.fail('truncated fixed64', pos)
    this.low = this.#view.getUint32(pos, true)
    this.high = this.#view.getUint32(pos + 4, true)
    this.pos = pos + 8
  }

  readDouble(end: number): number {
    const pos = this.pos
    if (end - pos < 8) this.fail('truncated double', pos)
    this.pos = pos + 8
    return this.#view.getFloat64(pos, true)
  }

  /** Reads the length of a length-delimited field and returns where its content ends. */
  readLengthEnd(end: number): number {
    const start = this.pos
    const length = this.readUint32(end, 'length')
    if (length > end - this.pos) {
      this.fail(`length ${length} runs past the end of the enclosing message (${end - this.pos} bytes left)`, start)
    }
    return this.pos + length
  }

  /**
   * A length-delimited field as UTF-8 text (invalid sequences become U+FFFD) of at most
   * `maxBytes` of its bytes, cut on a character boundary before anything is decoded: a huge
   * field costs no more than a short one. There is deliberately no unbounded string read.
   */
  readStringCut(end: number, maxBytes: number): string {
    const contentEnd = this.readLengthEnd(end)
    const start = this.pos
    this.pos = contentEnd
    return this.utf8(start, utf8CutEnd(this.bytes, start, contentEnd, maxBytes))
  }

  /** UTF-8 text of the byte range; no bounds check, the caller read the range already. */
  utf8(start: number, end: number): string {
    if (end === start) return ''
    return cachedAscii(this.bytes, this.#text, start, end) ?? this.#text.toString('utf8', start, end)
  }

  base64(start: number, end: number): string {
    return end === start ? '' : this.#text.toString('base64', start, end)
  }

  /**
   * Skips a field this decoder does not read. A field the schema knows must still carry its
   * declared wire type; anything else is skipped by wire type, groups included.
   */
  skipField(tag: number, end: number, schema: MessageSchema): void {
    const fieldNumber = tag >>> 3
    const wireType = tag & 7
    const field = schema.fields[fieldNumber]
    if (field !== undefined && field[1] !== wireType) {
      this.fail(
        `${schema.name}.${field[0]} (field ${fieldNumber}) has wire type ${wireTypeName(wireType)}, expected ${wireTypeName(field[1])}`,
        this.pos - 1,
      )
    }
    this.#skipValue(fieldNumber, wireType, end)
  }

  #skipValue(fieldNumber: number, wireType: number, end: number): void {
    switch (wireType) {
      case wireVarint:
        this.readVarint64(end)
        return
      case wireFixed64:
        this.#skipBytes(8, end)
        return
      case wireLengthDelimited:
        this.pos = this.readLengthEnd(end)
        return
      case wireFixed32:
        this.#skipBytes(4, end)
        return
      case wireStartGroup:
        this.#skipGroup(fieldNumber, end)
        return
      case wireEndGroup:
        return this.fail(`end-group tag for field ${fieldNumber} without a matching start-group`, this.pos - 1)
      default:
        return this.fail(`invalid wire type ${wireType} for field ${fieldNumber}`, this.pos - 1)
    }
  }

  #skipBytes(count: number, end: number): void {
    if (end - this.pos < count) this.fail(`truncated ${count}-byte field`)
    this.pos += count
  }

  // Deprecated proto2 groups run until the end-group tag of the same field number.
  #skipGroup(fieldNumber: number, end: number): void {
    const open: number[] = [fieldNumber]
    while (open.length > 0) {
      if (this.pos >= end) this.fail(`unterminated group for field ${open[open.length - 1]}`)
      const tagStart = this.pos
      const tag = this.readTag(end)
      const innerField = tag >>> 3
      const wireType = tag & 7
      if (wireType === wireEndGroup) {
        if (innerField !== open[open.length - 1]) this.fail(`end-group tag for field ${innerField} closes group ${open[open.length - 1]}`, tagStart)
        open.pop()
      } else if (wireType === wireStartGroup) {
        if (open.length >= maxGroupDepth) this.fail(`groups nested deeper than ${maxGroupDepth}`, tagStart)
        open.push(innerField)
      } else {
        this.#skipValue(innerField, wireType, end)
      }
    }
  }
}

function wireTypeName(wireType: number): string {
  return `${wireType} (${wireTypeNames[wireType] ?? 'invalid'})`
}

const twoTo32 = 4_294_967_296

/** An int64 given as its two's-complement 32-bit halves, as exact decimal text. */
export function int64Text(low: number, high: number): string {
  if (high === 0) return String(low)
  if (high < 0x200000) return String(high * twoTo32 + low)
  // Small negative numbers: the high half is all ones.
  if (high === 0xffffffff && low !== 0) return String(low - twoTo32)
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)).toString()
}

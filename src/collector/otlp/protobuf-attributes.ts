import type { AttributeMap } from './attribute-map.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import { doubleJson, formatDouble, jsonObjectText, quoteJsonString } from './pdata-as-string.js'
import { int64Text, messageSchema, wireFixed64, wireLengthDelimited, wireVarint, type ProtobufReader } from './protobuf-reader.js'

/*
 * KeyValue and AnyValue (opentelemetry/proto/common/v1/common.proto) decoded straight to
 * the text that pdata's AsString() gives, with no intermediate value tree: scalars become
 * their text, arrays and maps are written as JSON while they are read.
 */

/** Bounds for attribute keys and values, from DecodeLimits. */
export interface AttributeLimits {
  maxAttributeValueBytes: number
  maxAttributeKeyBytes: number
  maxValueDepth: number
}

const keyValueSchema = messageSchema('KeyValue', { 1: ['key', wireLengthDelimited], 2: ['value', wireLengthDelimited] })
const anyValueSchema = messageSchema('AnyValue', {
  1: ['string_value', wireLengthDelimited],
  2: ['bool_value', wireVarint],
  3: ['int_value', wireVarint],
  4: ['double_value', wireFixed64],
  5: ['array_value', wireLengthDelimited],
  6: ['kvlist_value', wireLengthDelimited],
  7: ['bytes_value', wireLengthDelimited],
  8: ['string_value_strindex', wireVarint],
})
const listSchema = messageSchema('ArrayValue/KeyValueList', { 1: ['values', wireLengthDelimited] })

const keyTag = (1 << 3) | wireLengthDelimited
const valueTag = (2 << 3) | wireLengthDelimited
const stringTag = (1 << 3) | wireLengthDelimited
const boolTag = (2 << 3) | wireVarint
const intTag = (3 << 3) | wireVarint
const doubleTag = (4 << 3) | wireFixed64
const arrayTag = (5 << 3) | wireLengthDelimited
const kvlistTag = (6 << 3) | wireLengthDelimited
const bytesTag = (7 << 3) | wireLengthDelimited
// Profiles-only reference into a string table; other signals treat it as an empty value.
const stringIndexTag = (8 << 3) | wireVarint
const valuesTag = (1 << 3) | wireLengthDelimited

/** Reads one KeyValue message (content up to `end`) into `map`. */
export function readKeyValueInto(reader: ProtobufReader, end: number, map: AttributeMap, limits: AttributeLimits): void {
  let key = ''
  let value = ''
  while (reader.pos < end) {
    const tag = reader.readTag(end)
    if (tag === keyTag) {
      key = reader.readStringCut(end, limits.maxAttributeKeyBytes)
    } else if (tag === valueTag) {
      value = readAnyValueText(reader, reader.readLengthEnd(end), limits)
    } else {
      reader.skipField(tag, end, keyValueSchema)
    }
  }
  map[key] = value
}

/** An AnyValue message as AsString() text; '' when it holds no value. */
function readAnyValueText(reader: ProtobufReader, end: number, limits: AttributeLimits): string {
  let text = ''
  while (reader.pos < end) {
    const tag = reader.readTag(end)
    switch (tag) {
      case stringTag:
        text = readTruncatedString(reader, end, limits)
        break
      case boolTag:
        text = reader.readBool(end) ? 'true' : 'false'
        break
      case intTag:
        reader.readVarint64(end)
        text = int64Text(reader.low, reader.high)
        break
      case doubleTag:
        text = formatDouble(reader.readDouble(end))
        break
      case arrayTag:
        text = readArrayJson(reader, reader.readLengthEnd(end), limits, 1) ?? ''
        break
      case kvlistTag:
        text = readKeyValueListJson(reader, reader.readLengthEnd(end), limits, 1) ?? ''
        break
      case bytesTag:
        text = readBase64(reader, end)
        break
      case stringIndexTag:
        reader.readVarint64(end)
        text = ''
        break
      default:
        reader.skipField(tag, end, anyValueSchema)
    }
  }
  return text
}

/**
 * An AnyValue as a JSON value the way Go's encoding/json writes pdata's AsRaw(): an empty
 * value is `null`, bytes a base64 string. Null means Go would refuse to encode the value
 * (NaN or an infinity), which makes the whole enclosing attribute ''.
 */
function readAnyValueJson(reader: ProtobufReader, end: number, limits: AttributeLimits, depth: number): string | null {
  let json: string | null = 'null'
  while (reader.pos < end) {
    const tag = reader.readTag(end)
    switch (tag) {
      case stringTag:
        json = quoteJsonString(readTruncatedString(reader, end, limits))
        break
      case boolTag:
        json = reader.readBool(end) ? 'true' : 'false'
        break
      case intTag:
        reader.readVarint64(end)
        json = int64Text(reader.low, reader.high)
        break
      case doubleTag:
        json = doubleJson(reader.readDouble(end)) ?? null
        break
      case arrayTag:
        json = readArrayJson(reader, reader.readLengthEnd(end), limits, depth + 1)
        break
      case kvlistTag:
        json = readKeyValueListJson(reader, reader.readLengthEnd(end), limits, depth + 1)
        break
      case bytesTag:
        json = `"${readBase64(reader, end)}"`
        break
      case stringIndexTag:
        reader.readVarint64(end)
        json = 'null'
        break
      default:
        reader.skipField(tag, end, anyValueSchema)
    }
  }
  return json
}

function readArrayJson(reader: ProtobufReader, end: number, limits: AttributeLimits, depth: number): string | null {
  checkDepth(reader, depth, limits)
  let json = '['
  let supported = true
  let count = 0
  while (reader.pos < end) {
    const tag = reader.readTag(end)
    if (tag !== valuesTag) {
      reader.skipField(tag, end, listSchema)
      continue
    }
    const item = readAnyValueJson(reader, reader.readLengthEnd(end), limits, depth)
    if (item === null) supported = false
    else json += count++ === 0 ? item : ',' + item
  }
  return supported ? json + ']' : null
}

function readKeyValueListJson(reader: ProtobufReader, end: number, limits: AttributeLimits, depth: number): string | null {
  checkDepth(reader, depth, limits)
  const keys: string[] = []
  const values: string[] = []
  let supported = true
  while (reader.pos < end) {
    const tag = reader.readTag(end)
    if (tag !== valuesTag) {
      reader.skipField(tag, end, listSchema)
      continue
    }
    const entryEnd = reader.readLengthEnd(end)
    let key = ''
    let value: string | null = 'null'
    while (reader.pos < entryEnd) {
      const entryTag = reader.readTag(entryEnd)
      if (entryTag === keyTag) key = reader.readStringCut(entryEnd, limits.maxAttributeKeyBytes)
      else if (entryTag === valueTag) value = readAnyValueJson(reader, reader.readLengthEnd(entryEnd), limits, depth)
      else reader.skipField(entryTag, entryEnd, keyValueSchema)
    }
    if (value === null) supported = false
    keys.push(key)
    values.push(value ?? 'null')
  }
  return supported ? jsonObjectText(keys, values) : null
}

function readTruncatedString(reader: ProtobufReader, end: number, limits: AttributeLimits): string {
  return reader.readStringCut(end, limits.maxAttributeValueBytes)
}

function readBase64(reader: ProtobufReader, end: number): string {
  const contentEnd = reader.readLengthEnd(end)
  const start = reader.pos
  reader.pos = contentEnd
  return reader.base64(start, contentEnd)
}

function checkDepth(reader: ProtobufReader, depth: number, limits: AttributeLimits): void {
  if (depth <= limits.maxValueDepth) return
  throw new OtlpDecodeError({
    code: 'too_deep',
    message: `protobuf: attribute value nested deeper than ${limits.maxValueDepth} arrays/maps at byte ${reader.pos}`,
    offset: reader.pos,
  })
}

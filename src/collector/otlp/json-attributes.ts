import { SwitchyardError } from '../../errors/switchyard-error.js'
import type { AttributeMap } from './attribute-map.js'
import { OtlpDecodeError, type OtlpDecodeErrorCode } from './otlp-decode-error.js'
import { doubleJson, formatDouble, jsonObjectText, quoteJsonString } from './pdata-as-string.js'
import type { AttributeLimits } from './protobuf-attributes.js'
import { truncateUtf8 } from './utf8-truncate.js'

/*
 * KeyValue lists and AnyValue objects of OTLP/JSON turned into pdata AsString() text, the
 * same text the protobuf decoder produces. Field names are the lowerCamelCase of the JSON
 * mapping, and the original snake_case names are accepted too, as the spec allows.
 */

/**
 * A mistyped value below an attribute, thrown with the path relative to the attribute value
 * and completed by readAttributesInto, so that paths are built only when something fails.
 */
class ValueError extends SwitchyardError {
  declare readonly code: OtlpDecodeErrorCode

  constructor(
    readonly relativePath: string,
    readonly problem: string,
    code: OtlpDecodeErrorCode = 'invalid_field',
  ) {
    super({ code, message: problem })
  }
}

const int64Text = /^-?[0-9]{1,19}$/
const minInt64 = -(2n ** 63n)
const maxInt64 = 2n ** 63n - 1n
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/
const numberText = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/

/** A JSON string made well-formed: a lone surrogate becomes U+FFFD, as Go's decoder does. */
export function wellFormed(text: string): string {
  return (text as unknown as WellFormedString).isWellFormed() ? text : (text as unknown as WellFormedString).toWellFormed()
}

/** A JSON string cut to `maxBytes` UTF-8 bytes on a character boundary, then made well-formed; cut first, so the work is bounded. */
export function boundedText(text: string, maxBytes: number): string {
  return wellFormed(truncateUtf8(text, maxBytes))
}

// ES2024 string methods, present in Node 20 but not in the ES2023 lib this project targets.
interface WellFormedString {
  isWellFormed(): boolean
  toWellFormed(): string
}

/**
 * Reads a JSON `attributes` array of KeyValue objects into `map`; `path` names the array.
 * Only the first `maxCount` entries are read (the SDK's span limits keep the first ones too);
 * returns how many past it were dropped, unread.
 */
export function readAttributesInto(list: unknown, map: AttributeMap, limits: AttributeLimits, path: string, maxCount: number): number {
  if (list === undefined || list === null) return 0
  if (!Array.isArray(list)) throw invalid(path, 'expected an array of {key, value} objects')
  const count = Math.min(list.length, maxCount)
  for (let index = 0; index < count; index++) {
    const entry: unknown = list[index]
    if (typeof entry !== 'object' || entry === null) throw invalid(`${path}[${index}]`, 'expected a {key, value} object')
    const { key, value } = entry as { key?: unknown; value?: unknown }
    if (typeof key !== 'string' && key !== undefined && key !== null) throw invalid(`${path}[${index}].key`, 'expected a string')
    try {
      map[typeof key === 'string' ? boundedText(key, limits.maxAttributeKeyBytes) : ''] = anyValueText(value, limits)
    } catch (error) {
      if (error instanceof ValueError) throw invalid(`${path}[${index}].value${error.relativePath}`, error.problem, error.code)
      throw error
    }
  }
  return list.length - count
}

function invalid(path: string, problem: string, code: OtlpDecodeErrorCode = 'invalid_field'): OtlpDecodeError {
  return new OtlpDecodeError({ code, message: `${path}: ${problem}`, path })
}

/** An AnyValue object as AsString() text; '' when it holds no value. */
function anyValueText(value: unknown, limits: AttributeLimits): string {
  if (value === undefined || value === null) return ''
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValueError('', 'expected an AnyValue object')
  const any = value as Record<string, unknown>
  let field: unknown
  if ((field = any.stringValue ?? any.string_value) != null) return stringField(field, '.stringValue', limits.maxAttributeValueBytes)
  if ((field = any.boolValue ?? any.bool_value) != null) return String(boolField(field))
  if ((field = any.intValue ?? any.int_value) != null) return intField(field)
  if ((field = any.doubleValue ?? any.double_value) != null) return formatDouble(doubleField(field))
  if ((field = any.arrayValue ?? any.array_value) != null) return arrayJson(field, limits, 1, '.arrayValue') ?? ''
  if ((field = any.kvlistValue ?? any.kvlist_value) != null) return kvlistJson(field, limits, 1, '.kvlistValue') ?? ''
  if ((field = any.bytesValue ?? any.bytes_value) != null) return bytesField(field)
  return ''
}

/** An AnyValue as JSON text the way Go encodes pdata's AsRaw(); null where Go would fail (NaN, ±Inf). */
function anyValueJson(value: unknown, limits: AttributeLimits, depth: number, path: string): string | null {
  if (value === undefined || value === null) return 'null'
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValueError(path, 'expected an AnyValue object')
  const any = value as Record<string, unknown>
  let field: unknown
  if ((field = any.stringValue ?? any.string_value) != null) {
    return quoteJsonString(stringField(field, `${path}.stringValue`, limits.maxAttributeValueBytes))
  }
  if ((field = any.boolValue ?? any.bool_value) != null) return String(boolField(field, `${path}.boolValue`))
  if ((field = any.intValue ?? any.int_value) != null) return intField(field, `${path}.intValue`)
  if ((field = any.doubleValue ?? any.double_value) != null) return doubleJson(doubleField(field, `${path}.doubleValue`)) ?? null
  if ((field = any.arrayValue ?? any.array_value) != null) return arrayJson(field, limits, depth + 1, `${path}.arrayValue`)
  if ((field = any.kvlistValue ?? any.kvlist_value) != null) return kvlistJson(field, limits, depth + 1, `${path}.kvlistValue`)
  if ((field = any.bytesValue ?? any.bytes_value) != null) return `"${bytesField(field, `${path}.bytesValue`)}"`
  return 'null'
}

function arrayJson(field: unknown, limits: AttributeLimits, depth: number, path: string): string | null {
  checkDepth(depth, limits, path)
  const values = listValues(field, path)
  const items: string[] = []
  let supported = true
  for (let index = 0; index < values.length; index++) {
    const item = anyValueJson(values[index], limits, depth, `${path}.values[${index}]`)
    if (item === null) supported = false
    else items.push(item)
  }
  return supported ? `[${items.join(',')}]` : null
}

function kvlistJson(field: unknown, limits: AttributeLimits, depth: number, path: string): string | null {
  checkDepth(depth, limits, path)
  const entries = listValues(field, path)
  const keys: string[] = []
  const values: string[] = []
  let supported = true
  for (let index = 0; index < entries.length; index++) {
    const entry: unknown = entries[index]
    const entryPath = `${path}.values[${index}]`
    if (typeof entry !== 'object' || entry === null) throw new ValueError(entryPath, 'expected a {key, value} object')
    const { key, value } = entry as { key?: unknown; value?: unknown }
    if (typeof key !== 'string' && key != null) throw new ValueError(`${entryPath}.key`, 'expected a string')
    const json = anyValueJson(value, limits, depth, `${entryPath}.value`)
    if (json === null) supported = false
    keys.push(typeof key === 'string' ? boundedText(key, limits.maxAttributeKeyBytes) : '')
    values.push(json ?? 'null')
  }
  return supported ? jsonObjectText(keys, values) : null
}

function listValues(field: unknown, path: string): unknown[] {
  if (typeof field !== 'object' || Array.isArray(field)) throw new ValueError(path, 'expected an object with a values array')
  const values = (field as { values?: unknown }).values
  if (values == null) return []
  if (!Array.isArray(values)) throw new ValueError(`${path}.values`, 'expected an array')
  return values
}

function checkDepth(depth: number, limits: AttributeLimits, path: string): void {
  if (depth <= limits.maxValueDepth) return
  throw new ValueError(path, `nested deeper than ${limits.maxValueDepth} arrays/maps`, 'too_deep')
}

function stringField(field: unknown, path: string, maxBytes: number): string {
  if (typeof field !== 'string') throw new ValueError(path, 'expected a string')
  return boundedText(field, maxBytes)
}

function boolField(field: unknown, path = '.boolValue'): boolean {
  if (typeof field !== 'boolean') throw new ValueError(path, 'expected true or false')
  return field
}

/**
 * A 64-bit integer given as a JSON number or decimal string (the proto3 JSON form). A JSON
 * number beyond int64 is kept as the double it is: the OpenTelemetry JS JSON serializer
 * writes any integral number (1e21 too) as intValue, where its protobuf serializer writes a
 * double, and both encodings of one span must give the same row.
 */
function intField(field: unknown, path = '.intValue'): string {
  if (typeof field === 'number') {
    if (!Number.isInteger(field)) throw new ValueError(path, `expected an integer, got ${field}`)
    if (Number.isSafeInteger(field)) return String(field)
    const value = BigInt(field)
    return value < minInt64 || value > maxInt64 ? formatDouble(field) : value.toString()
  }
  if (typeof field === 'string' && int64Text.test(field)) {
    if (field.length <= 15) return String(Number(field))
    return checkedInt64(BigInt(field), path)
  }
  throw new ValueError(path, 'expected a 64-bit integer as a number or a decimal string')
}

function checkedInt64(value: bigint, path: string): string {
  if (value < minInt64 || value > maxInt64) throw new ValueError(path, `${value} is outside the int64 range`)
  return value.toString()
}

/** A double given as a JSON number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
function doubleField(field: unknown, path = '.doubleValue'): number {
  if (typeof field === 'number') return field
  if (typeof field === 'string') {
    if (field === 'NaN') return Number.NaN
    if (field === 'Infinity') return Number.POSITIVE_INFINITY
    if (field === '-Infinity') return Number.NEGATIVE_INFINITY
    if (numberText.test(field)) return Number(field)
  }
  throw new ValueError(path, 'expected a number, "NaN", "Infinity" or "-Infinity"')
}

/** Bytes given as base64 (standard or URL-safe, padding optional), re-encoded as standard base64. */
function bytesField(field: unknown, path = '.bytesValue'): string {
  if (typeof field !== 'string' || !base64Text.test(field)) throw new ValueError(path, 'expected a base64 string')
  return Buffer.from(field, 'base64').toString('base64')
}

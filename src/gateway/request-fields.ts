import { invalidField } from './gateway-error.js'

/*
 * Readers for the fields of a client's JSON body. Each takes the value and its dotted
 * path, checks type and bounds, and throws a 400 naming the path; `null` counts as
 * absent for optional fields, as the official SDKs send it for "not given".
 */

export type JsonObject = Record<string, unknown>

/** Longest text of one message part or tool result: 8 MiB of characters (the body bound is checked first anyway). */
export const maxTextLength = 8 * 1024 * 1024

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function readObject(value: unknown, param: string): JsonObject {
  if (!isObject(value)) throw invalidField(param, `must be an object, got ${describe(value)}`)
  return value
}

export function readArray(value: unknown, param: string, bounds: { min?: number; max: number }): unknown[] {
  if (!Array.isArray(value)) throw invalidField(param, `must be an array, got ${describe(value)}`)
  if (value.length < (bounds.min ?? 0)) throw invalidField(param, `must have at least ${bounds.min} item(s)`)
  if (value.length > bounds.max) throw invalidField(param, `must have at most ${bounds.max} items, got ${value.length}`)
  return value
}

export function readString(value: unknown, param: string, bounds: { min?: number; max: number }): string {
  if (typeof value !== 'string') throw invalidField(param, `must be a string, got ${describe(value)}`)
  if (value.length < (bounds.min ?? 0)) throw invalidField(param, bounds.min === 1 ? 'must not be empty' : `must have at least ${bounds.min} characters`)
  if (value.length > bounds.max) throw invalidField(param, `must have at most ${bounds.max} characters, got ${value.length}`)
  return value
}

export function readNumber(value: unknown, param: string, bounds: { min: number; max: number; integer?: boolean }): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidField(param, `must be a number, got ${describe(value)}`)
  if (bounds.integer === true && !Number.isInteger(value)) throw invalidField(param, `must be an integer, got ${value}`)
  if (value < bounds.min || value > bounds.max) throw invalidField(param, `must be between ${bounds.min} and ${bounds.max}, got ${value}`)
  return value
}

export function readBoolean(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') throw invalidField(param, `must be a boolean, got ${describe(value)}`)
  return value
}

export function readEnum<const T extends string>(value: unknown, param: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidField(param, `must be one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}, got ${describe(value)}`)
  }
  return value as T
}

/** Undefined for a missing or null field, else what `read` makes of it. */
export function optional<T>(value: unknown, read: (present: unknown) => T): T | undefined {
  return value === undefined || value === null ? undefined : read(value)
}

/** Refuse any key of `object` that is not in `known`, naming the first. */
export function refuseUnknownKeys(object: JsonObject, param: string, known: ReadonlySet<string>): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) throw invalidField(`${param}.${key}`, 'is not a field switchyard accepts here')
  }
}

/** A short, safe description of a value's type for an error message (never its content). */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : typeof value
}

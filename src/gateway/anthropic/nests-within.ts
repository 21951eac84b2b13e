import { invalidField } from '../gateway-error.js'
import { readObject, type JsonObject } from '../request-fields.js'

/** Deepest free-form JSON (a tool's input or schema) a request may hold: JSON.stringify recurses, and a deeper value would overflow its stack. */
export const maxJsonDepth = 64

/** Whether `value` nests no deeper than `levels` arrays and objects; stops looking past that, so the walk is bounded. */
export function nestsWithin(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return true
  if (levels <= 0) return false
  const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value)
  return children.every((child) => nestsWithin(child, levels - 1))
}

/** A free-form JSON object (a tool's input, a JSON schema), bounded in depth before anything serializes it. */
export function readJsonObject(value: unknown, param: string): JsonObject {
  const object = readObject(value, param)
  if (!nestsWithin(object, maxJsonDepth)) throw invalidField(param, `nests deeper than ${maxJsonDepth} levels`)
  return object
}

import type { z } from 'zod'
import { ProviderError, type ProviderErrorContext } from './provider-error.js'

/**
 * Validates a provider's JSON against a lenient wire schema. A mismatch is the
 * provider's fault (or a new wire version): a non-retryable `server_error`
 * naming the path of the bad field, never a crash deeper in the adapter.
 */
export function parseWire<Schema extends z.ZodType>(
  value: unknown,
  schema: Schema,
  context: ProviderErrorContext,
): z.output<Schema> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue === undefined || issue.path.length === 0 ? 'the top level' : issue.path.join('.')
  throw new ProviderError({
    ...context,
    code: 'server_error',
    retryable: false,
    message: `the provider's response has an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}.`,
  })
}

/**
 * A wire schema with a hand-written check of its common shape. The check must
 * pass only values the schema accepts as they are; saying false is always safe,
 * it only sends the value to zod.
 */
export interface FastWireSchema<Schema extends z.ZodType> {
  schema: Schema
  isCommon: (value: unknown) => value is z.output<Schema>
}

/**
 * parseWire with a fast path for the shapes that nearly every answer has. zod
 * builds a stripped copy of every answer and stream chunk, which on the hot path
 * costs more than the rest of reading it; a value that passes the allocation-free
 * `isCommon` check is returned as it is instead. Anything else (an unusual shape,
 * a wrong one, an error object) goes to parseWire, so the error messages and the
 * lenient semantics are zod's. The input rather than zod's copy is safe because
 * the readers of a parsed value read only its declared fields and keep none of it.
 */
export function parseWireFast<Schema extends z.ZodType>(
  value: unknown,
  wire: FastWireSchema<Schema>,
  context: ProviderErrorContext,
): z.output<Schema> {
  return wire.isCommon(value) ? value : parseWire(value, wire.schema, context)
}

// The building blocks of `isCommon` checks, each accepting exactly what its zod
// counterpart accepts.

/** `z.object({...})` reads any non-null object but an array. */
export function isWireObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `.nullish()` */
export function isNullish(value: unknown): value is null | undefined {
  return value === undefined || value === null
}

/** `z.string().nullish()` */
export function isNullishString(value: unknown): value is string | null | undefined {
  return isNullish(value) || typeof value === 'string'
}

/** `z.number().nullish()`: zod 4's `z.number()` rejects NaN and ±Infinity. */
export function isNullishNumber(value: unknown): value is number | null | undefined {
  return isNullish(value) || Number.isFinite(value)
}

/**
 * `z.array(element).nullish()`, where `isElement` mirrors the element schema. It
 * reads by index as zod does, so a hole is an undefined element.
 */
export function isNullishArrayOf(value: unknown, isElement: (element: unknown) => boolean): boolean {
  if (isNullish(value)) return true
  if (!Array.isArray(value)) return false
  for (let index = 0; index < value.length; index++) {
    if (!isElement(value[index])) return false
  }
  return true
}

/**
 * Parses one JSON text from a stream (an SSE `data` field), to be validated with
 * parseWire. Malformed JSON is the provider's fault too: a `server_error`.
 */
export function parseWireJson(text: string, context: ProviderErrorContext): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new ProviderError({
      ...context,
      code: 'server_error',
      message: `the stream carried malformed JSON (${text.length} characters).`,
    })
  }
}

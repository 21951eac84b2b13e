import { SwitchyardError } from '../errors/switchyard-error.js'
import type { ProviderOptions } from '../model-call/provider-options.js'

/** `providerOptions` for one provider that cannot be sent: too big, too deep, not JSON, or touching a field switchyard must own. */
export class ProviderOptionsError extends SwitchyardError {
  declare readonly code: 'request_invalid'
  readonly providerType: string

  constructor(providerType: string, problem: string) {
    super({ code: 'request_invalid', message: `providerOptions.${providerType}: ${problem}` })
    this.providerType = providerType
  }
}

/** Largest pass-through object, as JSON text; a body field worth passing through is far smaller. */
export const maxProviderOptionsBytes = 64 * 1024
/** Deepest nesting of a pass-through object. */
export const maxProviderOptionsDepth = 16
/** Fields switchyard reads the answer by: overriding them would break parsing, not extend the call. */
const ownedFields = new Set(['stream', 'model'])

/**
 * The body with the request's `providerOptions[providerType]` merged in last:
 * plain objects are merged key by key (so `generationConfig.seed` joins the
 * generation config switchyard built), anything else replaces. Only the JSON body
 * is touched: auth and other headers are out of reach by construction. The
 * options are checked first (JSON values only, bounded in size and depth, no
 * `stream` or `model`); a bad one is an error before any call, never dropped.
 */
export function mergeProviderOptions(
  body: Record<string, unknown>,
  providerOptions: ProviderOptions | undefined,
  providerType: keyof ProviderOptions,
): Record<string, unknown> {
  const options = providerOptions?.[providerType]
  if (options === undefined) return body
  checkProviderOptions(options, providerType)
  return mergeObjects(body, options)
}

/** Throws ProviderOptionsError when the options for `providerType` cannot be sent. */
export function checkProviderOptions(options: unknown, providerType: string): void {
  if (!isPlainObject(options)) throw new ProviderOptionsError(providerType, 'must be an object of body fields')
  for (const key of Object.keys(options)) {
    if (ownedFields.has(key)) throw new ProviderOptionsError(providerType, `"${key}" is set by switchyard and cannot be overridden`)
  }
  let text: string
  try {
    text = JSON.stringify(options)
  } catch (error) {
    throw new ProviderOptionsError(providerType, `is not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  if (Buffer.byteLength(text) > maxProviderOptionsBytes) {
    throw new ProviderOptionsError(providerType, `is over ${maxProviderOptionsBytes} bytes as JSON`)
  }
  if (depthOf(options, 0) > maxProviderOptionsDepth) {
    throw new ProviderOptionsError(providerType, `nests deeper than ${maxProviderOptionsDepth} levels`)
  }
}

function depthOf(value: unknown, depth: number): number {
  // The size check ran first, so this walk is bounded by 64 KiB of JSON.
  if (depth > maxProviderOptionsDepth) return depth
  if (Array.isArray(value)) return Math.max(depth, ...value.map((item) => depthOf(item, depth + 1)))
  if (isPlainObject(value)) return Math.max(depth, ...Object.values(value).map((item) => depthOf(item, depth + 1)))
  return depth
}

function mergeObjects(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(extra)) {
    // JSON.parse makes own `__proto__` keys; defining them keeps them data, never a prototype.
    const current = Object.hasOwn(merged, key) ? merged[key] : undefined
    const next = isPlainObject(current) && isPlainObject(value) ? mergeObjects(current, value) : value
    Object.defineProperty(merged, key, { value: next, enumerable: true, writable: true, configurable: true })
  }
  return merged
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}

import type { JsonObject } from '../request-fields.js'
import type { UnmodelledFields } from './unmodelled-fields.js'

/**
 * Note every field of `object` switchyard does not read (null counts as absent).
 * `cache_control` is a prompt-caching hint that changes no answer, and the other
 * providers cache prefixes on their own: it goes untouched to Anthropic and is no
 * reason to refuse a request elsewhere (Claude Code puts it on most requests).
 */
export function noteOtherKeys(object: JsonObject, param: string, known: readonly string[], unmodelled: UnmodelledFields): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key) || object[key] === null || object[key] === undefined) continue
    if (key === 'cache_control') unmodelled.prefer(`${param}.${key}`)
    else unmodelled.note(`${param}.${key}`)
  }
}

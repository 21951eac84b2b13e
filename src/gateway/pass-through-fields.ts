import { invalidField } from './gateway-error.js'
import type { JsonObject } from './request-fields.js'
import type { ParseContext, TargetFormat } from './wire-format.js'

/** Fields a body may carry beyond those switchyard models; more is a 400 rather than work. */
const maxPassThroughFields = 64

/** The target formats that read each client format's own fields. */
const sameFormat: Record<'openai' | 'anthropic', ReadonlySet<TargetFormat>> = {
  // A simulated target answers anything and reads no provider field, so it never loses one that matters.
  openai: new Set(['openai', 'openai-compatible', 'simulated']),
  anthropic: new Set(['anthropic', 'simulated']),
}

/**
 * The body's fields switchyard does not model, to send on untouched, or undefined when
 * there are none. They can only be honoured when every target speaks the client's
 * format; otherwise the first is a 400 naming it, never silently dropped. Only body
 * fields pass: nothing here can reach a header, a URL or a credential.
 */
export function passThroughFields(options: { body: JsonObject; modelled: ReadonlySet<string>; context: ParseContext; clientFormat: 'openai' | 'anthropic' }): JsonObject | undefined {
  const { body, modelled, context, clientFormat } = options
  let extra: JsonObject | undefined
  let count = 0
  for (const key of Object.keys(body)) {
    if (modelled.has(key)) continue
    const value = body[key]
    if (value === undefined || value === null) continue
    const foreign = [...context.targetFormats].find((format) => !sameFormat[clientFormat].has(format))
    if (foreign !== undefined) {
      throw invalidField(key, `is not a field switchyard models, and a target of this model speaks the ${foreign} format, which cannot honour it`)
    }
    if (key === '__proto__') throw invalidField(key, 'is not a field name switchyard accepts')
    count += 1
    if (count > maxPassThroughFields) throw invalidField(key, `more than ${maxPassThroughFields} fields switchyard does not model`)
    extra ??= {}
    extra[key] = value
  }
  return extra
}

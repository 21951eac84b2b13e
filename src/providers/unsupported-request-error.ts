import { SwitchyardError } from '../errors/switchyard-error.js'

/** A request field a target cannot serve, and why. */
export interface UnsupportedField {
  /** The request field, as the caller wrote it: `responseFormat`, `reasoning.budgetTokens`, `parallelToolCalls`. */
  field: string
  /** Why, in words that name the target's limit, e.g. "Gemini has no switch for parallel tool calls". */
  reason: string
}

/**
 * The request asks for something the target cannot do (structured output on a
 * host without it, reasoning on a model without it, ...). Thrown before any call,
 * so a field is never dropped silently; `field` and `target` say what and where.
 */
export class UnsupportedRequestError extends SwitchyardError {
  declare readonly code: 'unsupported_request'
  readonly field: string
  /** `provider/model`, or a list of them when every target of a route was refused. */
  readonly target: string

  constructor(options: UnsupportedField & { target: string }) {
    super({ code: 'unsupported_request', message: `${options.target} cannot serve the request's ${options.field}: ${options.reason}` })
    this.field = options.field
    this.target = options.target
  }
}

export function isUnsupportedRequestError(error: unknown): error is UnsupportedRequestError {
  return UnsupportedRequestError.isInstance(error)
}

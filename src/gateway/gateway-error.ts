import { SwitchyardError } from '../errors/switchyard-error.js'
import type { SwitchyardErrorCode } from '../errors/switchyard-error-code.js'

export interface GatewayErrorOptions {
  /** The HTTP status the client gets. */
  status: number
  code: SwitchyardErrorCode
  /** Safe to show the client: names the field or the model, never a key or a provider's secret. */
  message: string
  /** The request field at fault, as a dotted path (`messages.2.content`), for 400s. */
  param?: string
  /** Seconds for `Retry-After` (429, 503). */
  retryAfterSeconds?: number
  cause?: unknown
}

/**
 * An answer the gateway gives instead of a model's: a status, a stable code and a
 * message for the client. Each wire format renders it in its own error shape
 * (OpenAI `{ error: { message, type, param, code } }`, Anthropic `{ type: 'error', error }`).
 */
export class GatewayError extends SwitchyardError {
  readonly status: number
  readonly param: string | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(options: GatewayErrorOptions) {
    super({ code: options.code, message: options.message, cause: options.cause })
    this.status = options.status
    this.param = options.param
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** A request field that is missing, of the wrong type or out of bounds: a 400 naming it. */
export function invalidField(param: string, problem: string): GatewayError {
  return new GatewayError({ status: 400, code: 'request_invalid', message: `${param}: ${problem}`, param })
}

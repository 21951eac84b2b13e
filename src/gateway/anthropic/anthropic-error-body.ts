import { SwitchyardError } from '../../errors/switchyard-error.js'
import type { GatewayError } from '../gateway-error.js'
import { gatewayErrorFrom } from '../gateway-error-from.js'

/** The error `type` words of the Messages API. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error'

export interface AnthropicErrorBody {
  type: 'error'
  error: { type: AnthropicErrorType; message: string }
}

/**
 * Anthropic's error type for an HTTP status, as its API documents them (413
 * `request_too_large`, 504 `timeout_error`, 529 `overloaded_error`). A 502 (every
 * attempt failed upstream) is an `api_error`, the word for "not your request's fault".
 */
export function anthropicErrorType(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return 'authentication_error'
    case 402:
      return 'billing_error'
    case 403:
      return 'permission_error'
    case 404:
      return 'not_found_error'
    case 413:
      return 'request_too_large'
    case 429:
      return 'rate_limit_error'
    case 504:
      return 'timeout_error'
    case 503:
    case 529:
      return 'overloaded_error'
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

/** A gateway refusal or failure as Anthropic's `{ type: 'error', error: { type, message } }`. */
export function anthropicErrorBody(error: GatewayError): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } }
}

/**
 * The body of the `error` event that ends a stream which failed after its first frame:
 * the gateway's answer for that failure (gatewayErrorFrom: switchyard's own messages,
 * never another error's), typed by the upstream's own trouble when it was an overload
 * or a rate limit, as Anthropic's clients back off on those words.
 */
export function anthropicStreamErrorBody(error: unknown): AnthropicErrorBody {
  const body = anthropicErrorBody(gatewayErrorFrom(error))
  const code = SwitchyardError.isInstance(error) ? error.code : undefined
  if (code === 'overloaded') body.error.type = 'overloaded_error'
  else if (code === 'rate_limit') body.error.type = 'rate_limit_error'
  return body
}

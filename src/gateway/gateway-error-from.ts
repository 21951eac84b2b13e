import { BudgetExceededError } from '../budget/budget-exceeded-error.js'
import { SwitchyardError } from '../errors/switchyard-error.js'
import { ProviderError } from '../providers/provider-error.js'
import { UnsupportedRequestError } from '../providers/unsupported-request-error.js'
import { AllTargetsFailedError, RequestAbortedError, UnknownRouteError } from '../router/router-errors.js'
import { GatewayError } from './gateway-error.js'

/** Provider error codes that mean the upstream ran out of time rather than failed. */
const timeoutCodes = new Set(['timeout', 'deadline_exceeded'])

/**
 * What the client is told for an error the router (or the gateway) threw, with the
 * status DESIGN.md gives it. Messages come from switchyard's own errors, which name
 * routes, targets and codes but never a key; anything else is reduced to its code.
 */
export function gatewayErrorFrom(error: unknown, now: number = Date.now()): GatewayError {
  if (GatewayError.isInstance(error) && error instanceof GatewayError) return error
  if (BudgetExceededError.isInstance(error)) {
    const retryAfterSeconds = error.retryAtMs === undefined ? undefined : Math.max(1, Math.ceil((error.retryAtMs - now) / 1000))
    return new GatewayError({ status: 429, code: 'budget_exceeded', message: error.message, retryAfterSeconds, cause: error })
  }
  if (UnknownRouteError.isInstance(error)) {
    return new GatewayError({ status: 404, code: 'model_not_found', message: error.message, param: 'model', cause: error })
  }
  if (AllTargetsFailedError.isInstance(error)) return upstreamFailure(error)
  if (RequestAbortedError.isInstance(error)) {
    return error.code === 'deadline_exceeded'
      ? new GatewayError({ status: 504, code: 'upstream_timeout', message: error.message, cause: error })
      : new GatewayError({ status: 499, code: 'request_aborted', message: error.message, cause: error })
  }
  if (UnsupportedRequestError.isInstance(error)) {
    return new GatewayError({ status: 400, code: 'unsupported_request', message: error.message, param: error.field, cause: error })
  }
  if (SwitchyardError.isInstance(error) && (error.code === 'request_invalid' || error.code === 'embeddings_unsupported')) {
    return new GatewayError({ status: 400, code: error.code, message: error.message, cause: error })
  }
  if (ProviderError.isInstance(error)) {
    // A stream cut after its first chunk: the adapter's message names the target and has its secrets removed.
    const timedOut = timeoutCodes.has(error.code)
    return new GatewayError({ status: timedOut ? 504 : 502, code: timedOut ? 'upstream_timeout' : 'upstream_failed', message: `${error.code}: ${error.message}`, cause: error })
  }
  const code = SwitchyardError.isInstance(error) ? error.code : 'internal'
  return new GatewayError({ status: 502, code: 'upstream_failed', message: `the call failed (${code})`, cause: error })
}

/**
 * Every target failed: 504 when each attempt ran out of time, else 502. The message is
 * the router's summary (each attempt's provider/model and code, each skipped target),
 * which holds no secrets; a request no target could serve is the client's 400.
 */
function upstreamFailure(error: AllTargetsFailedError): GatewayError {
  const unsupported = error.errors.find((cause) => UnsupportedRequestError.isInstance(cause))
  if (error.attempts.length === 0 && unsupported !== undefined) return gatewayErrorFrom(unsupported)
  // Nothing was sent: the prompt does not fit any target's context window. The client's to shorten.
  if (error.attempts.length === 0 && error.skipped.length > 0 && error.skipped.every((skip) => skip.reason === 'context-too-small')) {
    return new GatewayError({ status: 400, code: 'context_length_exceeded', message: error.message, param: 'messages', cause: error })
  }
  const clientFault = error.errors.find((cause) => SwitchyardError.isInstance(cause) && cause.code === 'request_invalid')
  if (clientFault !== undefined) return gatewayErrorFrom(clientFault)
  const timedOut = error.attempts.length > 0 && error.attempts.every((attempt) => attempt.errorCode !== undefined && timeoutCodes.has(attempt.errorCode))
  return new GatewayError({
    status: timedOut ? 504 : 502,
    code: timedOut ? 'upstream_timeout' : 'upstream_failed',
    message: error.message,
    cause: error,
  })
}

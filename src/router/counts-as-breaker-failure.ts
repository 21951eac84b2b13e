import { isProviderError, type ProviderErrorCode } from '../providers/provider-error.js'

/**
 * Codes that say the target itself is unhealthy or unusable. A revoked key
 * (`auth`) or a model the host does not serve (`not_found`) fails every call
 * until someone fixes the config, so skipping the target saves a wasted call
 * per request. Errors caused by the request (`bad_request`,
 * `context_length_exceeded`, `content_filter`) or by the caller (`aborted`) say
 * nothing about the target and must not open its breaker.
 */
const failureCodes: ReadonlySet<ProviderErrorCode> = new Set<ProviderErrorCode>([
  'rate_limit',
  'server_error',
  'overloaded',
  'timeout',
  'network',
  'stream_cut',
  'auth',
  'not_found',
])

/**
 * Whether an error from a call should count against the target's circuit
 * breaker. Besides provider errors, a `TimeoutError` (what AbortSignal.timeout
 * raises when the router's own attempt timeout fires) counts; anything else, a
 * bug in our code for one, does not.
 */
export function countsAsBreakerFailure(error: unknown): boolean {
  if (isProviderError(error)) return failureCodes.has(error.code)
  return error instanceof Error && error.name === 'TimeoutError'
}

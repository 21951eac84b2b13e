import { classifyError } from '../providers/classify-error.js'
import { readErrorDetails } from '../providers/error-details.js'

/**
 * `error.type` for an error thrown by an official SDK or the AI SDK, in the
 * router's words (`rate_limit`, `server_error`, `timeout`, `network`, ...), so a
 * dashboard groups failures the same way whichever path made the call. The SDK
 * error classes are recognised by name and fields, never imported.
 */
export function sdkErrorType(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '_OTHER'
  const className = error.constructor.name
  if (className === 'APIUserAbortError' || (error instanceof Error && error.name === 'AbortError')) return 'cancelled'
  if (className === 'APIConnectionTimeoutError') return 'timeout'
  if (className === 'APIConnectionError') return 'network'
  const fields = error as { status?: unknown; error?: unknown; statusCode?: unknown; responseBody?: unknown }
  if (typeof fields.status === 'number') return classifyError(fields.status, readErrorDetails(fields.error)).code
  // An error event inside a stream: no status, the provider's words decide.
  if (className.endsWith('Error') && fields.error !== undefined && fields.error !== null) return classifyError(undefined, readErrorDetails(fields.error)).code
  // The AI SDK's APICallError: the status and the raw body text.
  if (typeof fields.statusCode === 'number') return classifyError(fields.statusCode, readErrorDetails(parseJson(fields.responseBody))).code
  return '_OTHER'
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

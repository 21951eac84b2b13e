import type { ErrorDetails } from './error-details.js'
import type { ProviderErrorCode } from './provider-error.js'

export interface ErrorClassification {
  code: ProviderErrorCode
  /** Set only where it differs from the code's default. */
  retryable?: boolean
}

// How each provider says "the prompt does not fit": OpenAI's code and message
// ("maximum context length"), Anthropic ("prompt is too long"), Gemini ("The input
// token count (N) exceeds the maximum number of tokens allowed"), the Responses API
// ("exceeds the context window"), and OpenAI-compatible hosts that reuse these words.
const contextLengthPatterns = [
  /context[_ ]length/i,
  /prompt is too long/i,
  /input token count.*exceeds the maximum/i,
  /context window/i,
  /reduce the length of the messages/i,
]

const badKeyWords = new Set(['invalid_api_key', 'api_key_invalid', 'authentication_error'])

const typeCodes: Record<string, ProviderErrorCode> = {
  rate_limit_error: 'rate_limit',
  rate_limit_exceeded: 'rate_limit',
  resource_exhausted: 'rate_limit',
  overloaded_error: 'overloaded',
  unavailable: 'overloaded',
  api_error: 'server_error',
  server_error: 'server_error',
  internal: 'server_error',
  authentication_error: 'auth',
  permission_error: 'auth',
  invalid_api_key: 'auth',
  unauthenticated: 'auth',
  permission_denied: 'auth',
  not_found_error: 'not_found',
  model_not_found: 'not_found',
  not_found: 'not_found',
  invalid_request_error: 'bad_request',
  invalid_argument: 'bad_request',
  failed_precondition: 'bad_request',
  request_too_large: 'bad_request',
  deadline_exceeded: 'timeout',
  content_filter: 'content_filter',
  content_policy_violation: 'content_filter',
}

/**
 * Maps an HTTP status and the provider's error words to a stable code. The
 * status decides where there is one; the body refines it (a 400 that is a
 * context-length or content-filter error, a 429 that is an exhausted quota and
 * so not worth retrying). Without a status (an error event inside a stream)
 * the provider's type word decides.
 */
export function classifyError(status: number | undefined, details: ErrorDetails): ErrorClassification {
  const words = [details.code, details.type].filter((word): word is string => word !== undefined)
  const isClientStatus = status === undefined || (status >= 400 && status < 500 && status !== 429)
  if (
    isClientStatus &&
    (words.includes('context_length_exceeded') ||
      contextLengthPatterns.some((pattern) => pattern.test(details.message ?? '')))
  ) {
    return { code: 'context_length_exceeded' }
  }
  if (isClientStatus && words.some((word) => typeCodes[word.toLowerCase()] === 'content_filter')) {
    return { code: 'content_filter' }
  }
  if (words.includes('insufficient_quota')) return { code: 'rate_limit', retryable: false }
  // Gemini answers a bad key with HTTP 400; the reason word says what it is.
  if (words.some((word) => badKeyWords.has(word.toLowerCase()))) return { code: 'auth' }
  if (status !== undefined) return classifyStatus(status, words)
  for (const word of words) {
    const code = typeCodes[word.toLowerCase()]
    if (code !== undefined) return { code }
  }
  return { code: 'server_error' }
}

function classifyStatus(status: number, words: string[]): ErrorClassification {
  if (status === 401 || status === 403) return { code: 'auth' }
  if (status === 404) return { code: 'not_found' }
  if (status === 408) return { code: 'timeout' }
  // OpenAI's and Anthropic's SDKs retry a 409 (a lock that timed out), so do we.
  if (status === 409) return { code: 'bad_request', retryable: true }
  if (status === 429) return { code: 'rate_limit' }
  if (status === 503 || status === 529 || words.includes('overloaded_error')) return { code: 'overloaded' }
  if (status >= 500) return { code: 'server_error' }
  return { code: 'bad_request' }
}

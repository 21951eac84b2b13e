import { classifyError } from './classify-error.js'
import { readErrorBodyText, type ErrorDetails } from './error-details.js'
import { headerValue, type ResponseHeaders } from './header-value.js'
import { ProviderError, type ProviderErrorContext } from './provider-error.js'
import { retryAfterMs } from './retry-after.js'

export interface ErrorResponse {
  status: number
  headers: ResponseHeaders
  /** The error body as text (possibly truncated). */
  bodyText: string
  context: ProviderErrorContext
}

/**
 * The ProviderError for an HTTP error response: code from the status and the
 * provider's error body, retry delay from `retry-after-ms` / `retry-after`
 * (or Gemini's RetryInfo in the body), and `x-should-retry`, which OpenAI and
 * Anthropic send to overrule the usual retry decision.
 */
export function providerErrorFromResponse(response: ErrorResponse): ProviderError {
  const details = readErrorBodyText(response.bodyText)
  const classification = classifyError(response.status, details)
  const shouldRetry = headerValue(response.headers, 'x-should-retry')
  const retryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : classification.retryable
  return new ProviderError({
    code: classification.code,
    message: sentence(`HTTP ${response.status}${describeDetails(details)}`),
    provider: response.context.provider,
    model: response.context.model,
    status: response.status,
    retryable,
    retryAfterMs: retryAfterMs(response.headers) ?? details.retryDelayMs,
    providerErrorType: details.code ?? details.type,
    providerErrorMessage: details.message,
    secrets: response.context.secrets,
  })
}

/** The ProviderError for an error reported inside a stream or a 200 body (no HTTP status). */
export function providerErrorFromDetails(details: ErrorDetails, context: ProviderErrorContext): ProviderError {
  const classification = classifyError(undefined, details)
  return new ProviderError({
    code: classification.code,
    message: sentence(`the provider reported an error${describeDetails(details)}`),
    provider: context.provider,
    model: context.model,
    retryable: classification.retryable,
    retryAfterMs: details.retryDelayMs,
    providerErrorType: details.code ?? details.type,
    providerErrorMessage: details.message,
    secrets: context.secrets,
  })
}

function describeDetails(details: ErrorDetails): string {
  const words = [details.type, details.code].filter((word) => word !== undefined)
  const kind = words.length > 0 ? ` (${[...new Set(words)].join(', ')})` : ''
  const message = details.message === undefined ? '' : `: ${shorten(details.message)}`
  return kind + message
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine
}

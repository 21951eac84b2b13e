import { providerErrorCodes } from '../errors/switchyard-error-code.js'
import { SwitchyardError } from '../errors/switchyard-error.js'
import type { PartialOutput } from '../model-call/partial-output.js'
import type { Usage } from '../model-call/usage.js'
import { redactSecrets } from './redact-secrets.js'

/** The stable error codes of provider calls; the router decides on these, never on message text. */
export { providerErrorCodes }

export type ProviderErrorCode = (typeof providerErrorCodes)[number]

/** Who was called: carried by every error, plus the secrets that must never appear in it. */
export interface ProviderErrorContext {
  provider: string
  model: string
  /** API keys, auth header values and URL query values to scrub from any message. */
  secrets: readonly string[]
}

export interface ProviderErrorOptions {
  code: ProviderErrorCode
  /** What happened, in words; advice on what to do is appended from the code. */
  message: string
  provider: string
  model: string
  status?: number
  /** Defaults by code: rate limits, 5xx, overload, timeouts, network faults and cut streams are retryable. */
  retryable?: boolean
  retryAfterMs?: number
  /** The provider's own error type or code (`invalid_request_error`, `RESOURCE_EXHAUSTED`, ...). */
  providerErrorType?: string
  /** The provider's own message, truncated. */
  providerErrorMessage?: string
  partial?: PartialOutput
  secrets?: readonly string[]
  cause?: unknown
}

const retryableCodes: ReadonlySet<ProviderErrorCode> = new Set<ProviderErrorCode>([
  'rate_limit',
  'server_error',
  'overloaded',
  'timeout',
  'network',
  'stream_cut',
])

const advice: Record<ProviderErrorCode, string> = {
  rate_limit: 'Retry after the indicated delay or lower the request rate.',
  server_error: 'The provider failed; retry or fall back to another target.',
  overloaded: 'The provider is overloaded; retry later or fall back to another target.',
  timeout: 'No response in time; retry, or raise timeoutMs if the model is slow.',
  network: 'The connection failed; check the base URL and network, then retry.',
  auth: 'Check the API key and permissions configured for this provider.',
  bad_request: 'The provider rejected the request; check the model name and parameters.',
  context_length_exceeded: 'Shorten the prompt or route to a model with a larger context window.',
  content_filter: "The provider's content policy blocked the request or response.",
  not_found: 'Check the model name and the base URL of this provider.',
  stream_cut: 'The stream ended before its final event; the partial output and usage are attached.',
  aborted: 'The caller aborted the request.',
}

/** Provider messages can be long HTML pages; keep enough to diagnose. */
const maximumProviderMessageLength = 500

/**
 * An error from a model call with the data a router needs to decide what to do:
 * a stable `code`, HTTP `status`, `retryable`, `retryAfterMs`, provider and
 * model, the provider's own error type and (truncated) message, and for streams
 * that failed midway the partial text and usage seen so far. Messages are
 * scrubbed of configured secrets and URL query strings at construction, so
 * neither `String(error)`, `error.stack` nor `JSON.stringify(error)` can leak them.
 */
export class ProviderError extends SwitchyardError {
  declare readonly code: ProviderErrorCode
  readonly status: number | undefined
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  readonly provider: string
  readonly model: string
  readonly providerErrorType: string | undefined
  readonly providerErrorMessage: string | undefined
  /** Text a stream delivered before it failed. */
  readonly partialText: string | undefined
  /** Usage a stream reported before it failed (possibly without the final output count). */
  readonly partialUsage: Usage | undefined
  readonly #options: ProviderErrorOptions

  constructor(options: ProviderErrorOptions) {
    const secrets = options.secrets ?? []
    const providerErrorMessage =
      options.providerErrorMessage === undefined
        ? undefined
        : truncate(redactSecrets(options.providerErrorMessage, secrets), maximumProviderMessageLength)
    const cause = options.cause === undefined ? undefined : sanitizedCause(options.cause, secrets)
    super({
      code: options.code,
      message: redactSecrets(`${options.provider} (${options.model}): ${options.message} ${advice[options.code]}`, secrets),
      cause,
    })
    // Kept for withPartial, already scrubbed and without the secrets themselves.
    this.#options = {
      ...options,
      message: redactSecrets(options.message, secrets),
      providerErrorMessage,
      secrets: undefined,
      cause: undefined,
    }
    Object.defineProperty(this, 'options', { enumerable: false })
    this.status = options.status
    this.retryable = options.retryable ?? retryableCodes.has(options.code)
    this.retryAfterMs = options.retryAfterMs
    this.provider = options.provider
    this.model = options.model
    this.providerErrorType = options.providerErrorType
    this.providerErrorMessage = providerErrorMessage
    this.partialText = options.partial?.text
    this.partialUsage = options.partial?.usage
  }

  /** The same error carrying what a stream delivered before it failed. */
  withPartial(partial: PartialOutput): ProviderError {
    return new ProviderError({ ...this.#options, partial, cause: this.cause })
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      provider: this.provider,
      model: this.model,
      providerErrorType: this.providerErrorType,
      providerErrorMessage: this.providerErrorMessage,
      partialText: this.partialText,
      partialUsage: this.partialUsage,
    }
  }
}

/**
 * Type guard for ProviderError, also across copies of the module: the brand, or
 * for a copy from before the brand, the shape (name and code).
 */
export function isProviderError(value: unknown): value is ProviderError {
  if (ProviderError.isInstance(value)) return true
  if (!(value instanceof Error) || value.name !== 'ProviderError') return false
  const code: unknown = (value as { code?: unknown }).code
  return typeof code === 'string' && (providerErrorCodes as readonly string[]).includes(code)
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`
}

/**
 * Low-level errors (undici's socket errors, DNS failures) may name the URL they
 * were sending to; keep their name, code and scrubbed message, never the object.
 */
function sanitizedCause(cause: unknown, secrets: readonly string[]): unknown {
  if (isProviderError(cause)) return cause
  if (!(cause instanceof Error)) return undefined
  const copy = new Error(redactSecrets(cause.message, secrets))
  copy.name = cause.name
  copy.stack = `${copy.name}: ${copy.message}`
  const code: unknown = (cause as { code?: unknown }).code
  if (typeof code === 'string') Object.assign(copy, { code })
  return copy
}

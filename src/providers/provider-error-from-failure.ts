import { BodyTooLargeError } from './read-body.js'
import { isProviderError, ProviderError, type ProviderErrorCode, type ProviderErrorContext } from './provider-error.js'
import { ServerSentEventTooLongError } from './sse.js'
import type { AbortWatch } from '../shared/abort-watch.js'

/** Where the failure happened: before the response headers, while reading a body, or mid-stream. */
export type FailurePhase = 'request' | 'body' | 'stream'

export interface Failure {
  error: unknown
  context: ProviderErrorContext
  signal?: AbortWatch
  phase: FailurePhase
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])

/**
 * The ProviderError for anything thrown while calling a provider that is not
 * already one. The caller's signal decides first (aborted, or `timeout` when
 * its reason is a TimeoutError as from `AbortSignal.timeout`); then undici's
 * timeout codes; a connection that fails mid-stream is a cut stream; any other
 * other failure is a network error. The original error is kept
 * only as a scrubbed copy: socket errors may name the URL.
 */
export function providerErrorFromFailure(failure: Failure): ProviderError {
  const { error, context, signal, phase } = failure
  if (isProviderError(error)) return error
  const base = { provider: context.provider, model: context.model, secrets: context.secrets, cause: error }
  if (signal?.aborted === true) {
    const timedOut = isTimeoutReason(signal.reason)
    return new ProviderError({
      ...base,
      code: timedOut ? 'timeout' : 'aborted',
      message: timedOut ? "the caller's deadline passed." : 'the request was aborted by the caller.',
    })
  }
  if (error instanceof ServerSentEventTooLongError || error instanceof BodyTooLargeError) {
    return new ProviderError({ ...base, code: 'server_error', retryable: false, message: `${error.message}.` })
  }
  const code = errorCode(error)
  const description = describe(error)
  if (code !== undefined && timeoutCodes.has(code)) {
    return new ProviderError({ ...base, code: 'timeout', message: `no data within the timeout (${description}).` })
  }
  const failureCode: ProviderErrorCode = phase === 'stream' ? 'stream_cut' : 'network'
  const where = phase === 'request' ? 'the request failed' : 'the connection failed while reading the response'
  return new ProviderError({ ...base, code: failureCode, message: `${where} (${description}).` })
}

function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError'
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code: unknown = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  return errorCode((error as { cause?: unknown }).cause)
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = errorCode(error)
  return code === undefined ? `${error.name}: ${error.message}` : `${error.name} ${code}: ${error.message}`
}

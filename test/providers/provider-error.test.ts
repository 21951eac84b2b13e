import { describe, expect, it } from 'vitest'
import { decimalString } from '../../src/providers/decimal-string.js'
import { isProviderError, ProviderError } from '../../src/providers/provider-error.js'
import { providerErrorFromFailure } from '../../src/providers/provider-error-from-failure.js'
import { providerErrorFromResponse } from '../../src/providers/provider-error-from-response.js'
import { redactSecrets } from '../../src/providers/redact-secrets.js'
import { retryAfterMs } from '../../src/providers/retry-after.js'

const secret = 'sk-test-SECRET123'
const context = { provider: 'openai', model: 'gpt-4o-mini', secrets: [secret] }

function expectNoSecret(error: unknown, text = secret): void {
  expect(String(error)).not.toContain(text)
  expect((error as Error).stack ?? '').not.toContain(text)
  expect(JSON.stringify(error)).not.toContain(text)
  expect(String((error as Error).cause ?? '')).not.toContain(text)
}

describe('retryAfterMs', () => {
  it('prefers retry-after-ms over retry-after', () => {
    expect(retryAfterMs({ 'retry-after-ms': '372.5', 'retry-after': '20' })).toBe(373)
  })

  it('reads retry-after as seconds', () => {
    expect(retryAfterMs({ 'retry-after': '20' })).toBe(20_000)
    expect(retryAfterMs({ 'retry-after': '1.5' })).toBe(1_500)
  })

  it('reads retry-after as an HTTP date, relative to now, never negative', () => {
    const now = Date.parse('Wed, 30 Jul 2025 10:00:00 GMT')
    expect(retryAfterMs({ 'retry-after': 'Wed, 30 Jul 2025 10:00:30 GMT' }, now)).toBe(30_000)
    expect(retryAfterMs({ 'retry-after': 'Wed, 30 Jul 2025 09:00:00 GMT' }, now)).toBe(0)
  })

  it('is undefined when absent or unreadable', () => {
    expect(retryAfterMs({})).toBeUndefined()
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined()
  })
})

describe('providerErrorFromResponse', () => {
  const classify = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    providerErrorFromResponse({ status, headers, bodyText: JSON.stringify(body), context })

  it.each([
    [400, 'bad_request', false],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not_found', false],
    [408, 'timeout', true],
    [409, 'bad_request', true],
    [429, 'rate_limit', true],
    [500, 'server_error', true],
    [502, 'server_error', true],
    [503, 'overloaded', true],
    [529, 'overloaded', true],
  ] as const)('maps HTTP %i to %s (retryable: %s)', (status, code, retryable) => {
    const error = classify(status, { error: { message: 'something' } })
    expect(error).toMatchObject({ code, retryable, status, provider: 'openai', model: 'gpt-4o-mini' })
  })

  it('lets x-should-retry overrule the usual decision', () => {
    expect(classify(500, {}, { 'x-should-retry': 'false' }).retryable).toBe(false)
    expect(classify(400, {}, { 'x-should-retry': 'true' }).retryable).toBe(true)
  })

  it('keeps a text body (a proxy page) as the provider message', () => {
    const error = providerErrorFromResponse({ status: 502, headers: {}, bodyText: '<html>Bad Gateway</html>', context })
    expect(error.code).toBe('server_error')
    expect(error.providerErrorMessage).toBe('<html>Bad Gateway</html>')
  })

  it('reads vLLM-style top-level error bodies', () => {
    const error = classify(400, {
      object: 'error',
      message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
      type: 'BadRequestError',
      code: 400,
    })
    expect(error.code).toBe('context_length_exceeded')
    expect(error.providerErrorType).toBe('BadRequestError')
  })

  it('truncates a long provider message', () => {
    const error = classify(500, { error: { message: 'x'.repeat(5_000) } })
    expect(error.providerErrorMessage?.length).toBeLessThanOrEqual(501)
  })

  it('scrubs the API key, bearer tokens and URL query strings from every message', () => {
    const error = classify(401, {
      error: {
        message: `Incorrect API key provided: ${secret}. Header Bearer ${secret}; see https://example.test/v1?key=AIzaQuerySecret&x=1`,
      },
    })
    expectNoSecret(error)
    expectNoSecret(error, 'AIzaQuerySecret')
    expect(error.providerErrorMessage).toContain('[REDACTED]')
  })
})

describe('providerErrorFromFailure', () => {
  it('scrubs the URL and key from a network error that names them', () => {
    const cause = Object.assign(new Error(`connect ECONNREFUSED https://api.test/v1/chat?api-key=${secret}`), {
      code: 'ECONNREFUSED',
    })
    const error = providerErrorFromFailure({ error: cause, context, phase: 'request' })
    expect(error.code).toBe('network')
    expect(error.retryable).toBe(true)
    expectNoSecret(error)
  })

  it('reads an aborted signal as aborted, and a TimeoutError reason as timeout', () => {
    const aborted = AbortSignal.abort()
    expect(providerErrorFromFailure({ error: aborted.reason, context, signal: aborted, phase: 'request' }).code).toBe(
      'aborted',
    )
    const timedOut = AbortSignal.abort(new DOMException('deadline', 'TimeoutError'))
    expect(providerErrorFromFailure({ error: timedOut.reason, context, signal: timedOut, phase: 'request' }).code).toBe(
      'timeout',
    )
  })

  it("reads undici's timeout codes as timeout and a mid-stream failure as a cut stream", () => {
    const headersTimeout = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })
    expect(providerErrorFromFailure({ error: headersTimeout, context, phase: 'request' }).code).toBe('timeout')
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
    expect(providerErrorFromFailure({ error: socket, context, phase: 'stream' }).code).toBe('stream_cut')
  })
})

describe('ProviderError', () => {
  it('names itself in the stack and in String()', () => {
    const error = new ProviderError({ ...context, code: 'rate_limit', message: 'HTTP 429.' })
    expect(String(error)).toMatch(/^ProviderError: openai \(gpt-4o-mini\): HTTP 429\./)
    expect(error.stack).toMatch(/^ProviderError: /)
  })

  it('is recognised by the type guard, plain errors are not', () => {
    expect(isProviderError(new ProviderError({ ...context, code: 'network', message: 'x' }))).toBe(true)
    expect(isProviderError(new Error('x'))).toBe(false)
    expect(isProviderError({ name: 'ProviderError', code: 'network' })).toBe(false)
  })

  it('keeps its data when partial output is attached', () => {
    const error = new ProviderError({ ...context, code: 'stream_cut', status: 200, message: 'cut.' })
    const withPartial = error.withPartial({ text: 'Hel', usage: undefined })
    expect(withPartial).toMatchObject({ code: 'stream_cut', status: 200, partialText: 'Hel' })
  })
})

describe('redactSecrets', () => {
  it('leaves ordinary text alone', () => {
    expect(redactSecrets('prompt is too long: 208310 tokens > 200000 maximum')).toBe(
      'prompt is too long: 208310 tokens > 200000 maximum',
    )
  })
})

describe('decimalString', () => {
  it('writes small and large numbers without an exponent', () => {
    expect(decimalString(0.0013557)).toBe('0.0013557')
    expect(decimalString(1e-7)).toBe('0.0000001')
    expect(decimalString(1.25e-8)).toBe('0.0000000125')
    expect(decimalString(2.5e21)).toBe('2500000000000000000000')
  })
})

describe('ProviderError secrets', () => {
  it('stays scrubbed, and holds no secret, after partial output is attached', () => {
    const error = new ProviderError({ ...context, code: 'stream_cut', message: `cut while using ${secret}.` })
    const withPartial = error.withPartial({ text: 'partial' })
    expectNoSecret(withPartial)
    expect(JSON.stringify(Object.getOwnPropertyDescriptors(withPartial), (_key, value: unknown) => value)).not.toContain(
      secret,
    )
  })
})

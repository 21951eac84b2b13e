import type { z } from 'zod'
import { ProviderError, type ProviderErrorContext } from './provider-error.js'

/**
 * Validates a provider's JSON against a lenient wire schema. A mismatch is the
 * provider's fault (or a new wire version): a non-retryable `server_error`
 * naming the path of the bad field, never a crash deeper in the adapter.
 */
export function parseWire<Schema extends z.ZodType>(
  value: unknown,
  schema: Schema,
  context: ProviderErrorContext,
): z.output<Schema> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue === undefined || issue.path.length === 0 ? 'the top level' : issue.path.join('.')
  throw new ProviderError({
    ...context,
    code: 'server_error',
    retryable: false,
    message: `the provider's response has an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}.`,
  })
}

/**
 * Parses one JSON text from a stream (an SSE `data` field), to be validated with
 * parseWire. Malformed JSON is the provider's fault too: a `server_error`.
 */
export function parseWireJson(text: string, context: ProviderErrorContext): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new ProviderError({
      ...context,
      code: 'server_error',
      message: `the stream carried malformed JSON (${text.length} characters).`,
    })
  }
}

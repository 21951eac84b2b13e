import { z } from 'zod'

/** The provider's own description of an error, whatever its wire shape. */
export interface ErrorDetails {
  type?: string
  code?: string
  message?: string
  /** Gemini's `google.rpc.RetryInfo.retryDelay`, when the body carries one. */
  retryDelayMs?: number
}

const codeSchema = z.union([z.string(), z.number()]).nullish()

const errorObjectSchema = z.object({
  message: z.string().nullish(),
  type: z.string().nullish(),
  code: codeSchema,
  status: z.string().nullish(),
  details: z.array(z.unknown()).nullish(),
})

// OpenAI and Azure: { error: { message, type, code } }; Anthropic: { type: 'error',
// error: { type, message } }; Gemini: { error: { code: 400, message, status, details } };
// vLLM: { object: 'error', message, type, code }; Ollama: { error: 'text' }.
const errorBodySchema = z.object({
  error: z.union([errorObjectSchema, z.string()]).nullish(),
  message: z.string().nullish(),
  type: z.string().nullish(),
  code: codeSchema,
})

// Gemini names the reason of some errors only here (`API_KEY_INVALID` comes with HTTP 400).
const errorInfoSchema = z.object({
  '@type': z.string().endsWith('google.rpc.ErrorInfo'),
  reason: z.string().min(1),
})

const retryInfoSchema = z.object({
  '@type': z.string().endsWith('google.rpc.RetryInfo'),
  retryDelay: z.string().regex(/^\d+(\.\d+)?s$/),
})

/** Reads the error details of a parsed JSON error body (or in-stream error event). */
export function readErrorDetails(body: unknown): ErrorDetails {
  const parsed = errorBodySchema.safeParse(Array.isArray(body) ? body[0] : body)
  if (!parsed.success) return {}
  const { error } = parsed.data
  if (typeof error === 'string') return { message: error }
  const details: ErrorDetails = {}
  const message = error?.message ?? parsed.data.message
  if (message) details.message = message
  // Gemini's `status` word (RESOURCE_EXHAUSTED) is more telling than its numeric code.
  const type = error?.status ?? error?.type ?? (parsed.data.type === 'error' ? undefined : parsed.data.type)
  if (type) details.type = type
  const code = error?.code ?? parsed.data.code
  if (typeof code === 'string' && code !== '') details.code = code
  for (const detail of error?.details ?? []) {
    const retryInfo = retryInfoSchema.safeParse(detail)
    if (retryInfo.success) details.retryDelayMs = Math.ceil(Number.parseFloat(retryInfo.data.retryDelay) * 1000)
    const errorInfo = errorInfoSchema.safeParse(detail)
    if (errorInfo.success && details.code === undefined) details.code = errorInfo.data.reason
  }
  return details
}

/** Reads the error details of a raw error body: JSON when it is JSON, otherwise the text itself. */
export function readErrorBodyText(text: string): ErrorDetails {
  const trimmed = text.trim()
  if (trimmed === '') return {}
  try {
    const details = readErrorDetails(JSON.parse(trimmed))
    if (details.message !== undefined || details.type !== undefined || details.code !== undefined) return details
  } catch {
    // Not JSON: a proxy's HTML or plain-text page.
  }
  return { message: trimmed }
}

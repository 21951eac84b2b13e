import { headerValue, type ResponseHeaders } from './header-value.js'

/**
 * How long the provider asks us to wait, in milliseconds: `retry-after-ms`
 * (OpenAI, Azure) first as it is the most precise, else `retry-after` as seconds
 * or as an HTTP date. Undefined when absent or unreadable; never negative.
 */
export function retryAfterMs(headers: ResponseHeaders, now: number = Date.now()): number | undefined {
  const milliseconds = headerValue(headers, 'retry-after-ms')
  if (milliseconds !== undefined) {
    const value = Number.parseFloat(milliseconds)
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value)
  }
  const retryAfter = headerValue(headers, 'retry-after')?.trim()
  if (retryAfter === undefined || retryAfter === '') return undefined
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number.parseFloat(retryAfter) * 1000)
  const date = Date.parse(retryAfter)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

import { makeModelCallSpans, serializeSpans } from './sdk-spans.js'
import { postTraces } from './start-test-collector.js'

export interface SpanStreamResult {
  acknowledgedSpanIds: string[]
  requests: number
  refused: { status: number; retryAfter: string | null }[]
  failures: number
}

/**
 * Send a bounded stream of OTLP protobuf requests (each with fresh span ids) and
 * remember which spans were acknowledged with a 200. Stops after `maxRequests`,
 * after `maxMs`, or when `signal` aborts; never retries, so a refusal is visible.
 */
export async function sendSpanStream(options: {
  url: string
  spansPerRequest: number
  maxRequests: number
  maxMs: number
  workflow: string
  signal?: AbortSignal
  onAcknowledged?: (total: number) => void
}): Promise<SpanStreamResult> {
  const result: SpanStreamResult = { acknowledgedSpanIds: [], requests: 0, refused: [], failures: 0 }
  const deadline = Date.now() + options.maxMs
  while (result.requests < options.maxRequests && Date.now() < deadline && options.signal?.aborted !== true) {
    const spans = makeModelCallSpans(options.spansPerRequest, { workflow: options.workflow })
    result.requests += 1
    try {
      const answer = await postTraces(options.url, serializeSpans(spans, 'protobuf'), { 'content-type': 'application/x-protobuf' })
      if (answer.status === 200) {
        result.acknowledgedSpanIds.push(...spans.map((span) => span.spanContext().spanId))
        options.onAcknowledged?.(result.acknowledgedSpanIds.length)
      } else {
        result.refused.push({ status: answer.status, retryAfter: answer.headers.get('retry-after') })
      }
    } catch {
      // The collector died mid-request: this request was never acknowledged.
      result.failures += 1
      if (options.signal === undefined) break
    }
  }
  return result
}

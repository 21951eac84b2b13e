import { Pool } from 'undici'
import { messageOf } from './load.js'
import type { UniqueSpanBodies } from './unique-span-bodies.js'

export interface SendReport {
  requests: number
  acceptedSpans: number
  /** Requests answered 503 (queue full), each retried when `retryFullAfterMs` is set. */
  refusedRequests: number
  refusedSpans: number
  otherErrors: number
  firstError?: string
  ms: number
}

/**
 * POST OTLP protobuf bodies to a collector as an app fleet would: `concurrency`
 * exporters at once on keep-alive connections, `requests` requests taking `bodies`
 * in turn. Every request carries spans never sent before (see UniqueSpanBodies),
 * as an app fleet's would: the collector drops spans it already accepted. A 503 is
 * retried with the same bytes after `retryFullAfterMs` (an exporter honouring
 * Retry-After, shortened so the benchmark measures the collector, not the wait),
 * or counted and dropped when it is undefined (a burst test). Bounded by `maxMs`.
 */
export async function sendSpanBodies(options: {
  url: string
  bodies: UniqueSpanBodies
  requests: number
  concurrency: number
  retryFullAfterMs?: number
  maxMs: number
}): Promise<SendReport> {
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1 })
  const total = options.requests
  const report: SendReport = { requests: 0, acceptedSpans: 0, refusedRequests: 0, refusedSpans: 0, otherErrors: 0, ms: 0 }
  const started = performance.now()
  const deadline = started + options.maxMs
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < total && performance.now() < deadline) {
      const index = next++ % options.bodies.count
      const spans = options.bodies.spans(index)
      const bytes = options.bodies.nextSend(index)
      for (;;) {
        report.requests += 1
        try {
          const response = await pool.request({ method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, body: bytes })
          await response.body.dump()
          if (response.statusCode === 200) {
            report.acceptedSpans += spans
            break
          }
          if (response.statusCode === 503) {
            report.refusedRequests += 1
            report.refusedSpans += spans
            if (options.retryFullAfterMs === undefined || performance.now() >= deadline) break
            await new Promise((resolve) => setTimeout(resolve, options.retryFullAfterMs))
            continue
          }
          report.otherErrors += 1
          report.firstError ??= `HTTP ${response.statusCode}`
          break
        } catch (error) {
          report.otherErrors += 1
          report.firstError ??= messageOf(error)
          break
        }
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  report.ms = performance.now() - started
  await pool.close()
  return report
}

import { Pool } from 'undici'
import { messageOf } from './load.js'

export interface SpanBody {
  bytes: Buffer
  spans: number
}

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
 * exporters at once on keep-alive connections, `bodies` sent `repeat` times in
 * order. A 503 is retried after `retryFullAfterMs` (an exporter honouring
 * Retry-After, shortened so the benchmark measures the collector, not the wait),
 * or counted and dropped when it is undefined (a burst test). Bounded by `maxMs`.
 */
export async function sendSpanBodies(options: {
  url: string
  bodies: readonly SpanBody[]
  repeat: number
  concurrency: number
  retryFullAfterMs?: number
  maxMs: number
}): Promise<SendReport> {
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1 })
  const total = options.bodies.length * options.repeat
  const report: SendReport = { requests: 0, acceptedSpans: 0, refusedRequests: 0, refusedSpans: 0, otherErrors: 0, ms: 0 }
  const started = performance.now()
  const deadline = started + options.maxMs
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < total && performance.now() < deadline) {
      const body = options.bodies[next++ % options.bodies.length]!
      for (;;) {
        report.requests += 1
        try {
          const response = await pool.request({ method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, body: body.bytes })
          await response.body.dump()
          if (response.statusCode === 200) {
            report.acceptedSpans += body.spans
            break
          }
          if (response.statusCode === 503) {
            report.refusedRequests += 1
            report.refusedSpans += body.spans
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

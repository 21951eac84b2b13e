import type { IncomingMessage } from 'node:http'
import { createGunzip, createInflate } from 'node:zlib'
import { SwitchyardError } from '../errors/switchyard-error.js'
import type { BodyMemoryLease } from './body-memory-budget.js'

/** A request the collector refuses, with the HTTP status that says why. */
export class RequestBodyError extends SwitchyardError {
  declare readonly code: 'request_body_refused'
  readonly status: number
  /** Set on a 503: when to try again. */
  readonly retryAfterMs: number | undefined

  constructor(status: number, message: string, options: { retryAfterMs?: number } = {}) {
    super({ code: 'request_body_refused', message })
    this.status = status
    this.retryAfterMs = options.retryAfterMs
  }
}

/** How much of a body may be read, and the shared memory it is read into. */
export interface ReadBodyLimits {
  maxBytes: number
  /**
   * Grown as bytes arrive (the wire bytes, then those plus the decompressed ones);
   * when it cannot grow, the read stops with a 503 RequestBodyError. The caller
   * releases it once the body is no longer held.
   */
  memory?: BodyMemoryLease
}

/** Retry-After of a request refused because the bodies being read fill the memory bound. */
const memoryRetryAfterMs = 1_000

/**
 * Read a request body up to `maxBytes`, decompressing `gzip` / `deflate` as it
 * streams: both the bytes on the wire and the bytes after decompression are
 * counted, so a gzip bomb is cut off at the limit instead of filling memory.
 * With a memory lease, the bytes also count against the bound shared by every
 * request being read at once.
 */
export async function readRequestBody(request: IncomingMessage, limits: number | ReadBodyLimits): Promise<Buffer> {
  const { maxBytes, memory } = typeof limits === 'number' ? { maxBytes: limits, memory: undefined } : limits
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new RequestBodyError(413, `request body of ${declared} bytes is over the limit of ${maxBytes} bytes`)
  }
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim()
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    throw new RequestBodyError(415, `content-encoding ${JSON.stringify(encoding)} is not supported: send identity, gzip or deflate`)
  }
  const raw = await collect(request, { maxBytes, what: 'request body', hold: memory === undefined ? undefined : (bytes) => memory.holdAtLeast(bytes) })
  if (encoding === 'identity') return raw
  const decompressor = encoding === 'gzip' ? createGunzip() : createInflate()
  const hold = memory === undefined ? undefined : (bytes: number): boolean => memory.holdAtLeast(raw.length + bytes)
  const done = collect(decompressor, { maxBytes, what: 'decompressed request body', hold }).catch((error: unknown) => {
    if (error instanceof RequestBodyError) throw error
    throw new RequestBodyError(400, `request body is not valid ${encoding} data: ${error instanceof Error ? error.message : String(error)}`)
  })
  decompressor.end(raw)
  return done
}

function collect(
  source: NodeJS.ReadableStream & { destroy(error?: Error): void },
  limits: { maxBytes: number; what: string; hold: ((totalBytes: number) => boolean) | undefined },
): Promise<Buffer> {
  const { maxBytes, what, hold } = limits
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    let settled = false
    // Settling detaches the listeners. They close over the chunks and this promise, and
    // the request outlives the read (it is answered after its append is on disk): left
    // attached, they would keep the body alive all that time.
    const settle = (error: Error | undefined, body?: Buffer): void => {
      if (settled) return
      settled = true
      source.removeListener('data', onData)
      source.removeListener('end', onEnd)
      source.removeListener('close', onClose)
      source.removeListener('error', onError)
      // An error after this must still find a listener, or it would crash the process.
      source.on('error', ignoreLateError)
      if (error === undefined) resolve(body!)
      else reject(error)
    }
    const stop = (error: RequestBodyError): void => {
      chunks.length = 0
      // The decompressor can go; the request itself is left for the response to
      // close with `Connection: close`, so the client still reads the answer.
      if (!('headers' in source)) source.destroy()
      else source.pause()
      settle(error)
    }
    const onData = (chunk: Buffer): void => {
      total += chunk.length
      if (total > maxBytes) return stop(new RequestBodyError(413, `${what} is over the limit of ${maxBytes} bytes`))
      if (hold !== undefined && !hold(total)) {
        return stop(new RequestBodyError(503, `the collector is reading as many request bodies as its memory bound allows`, { retryAfterMs: memoryRetryAfterMs }))
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => settle(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total))
    const onError = (error: Error): void => settle(error)
    const onClose = (): void => settle(new RequestBodyError(400, `${what} ended before it was complete`))
    source.on('data', onData)
    source.on('end', onEnd)
    source.on('error', onError)
    source.on('close', onClose)
  })
}

function ignoreLateError(): void {
  // The read is over; the request's own error (a reset connection) is the response's business.
}

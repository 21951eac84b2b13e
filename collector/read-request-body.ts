import type { IncomingMessage } from 'node:http'
import { createGunzip, createInflate } from 'node:zlib'

/** A request the collector refuses, with the HTTP status that says why. */
export class RequestBodyError extends Error {
  override readonly name = 'RequestBodyError'
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/**
 * Read a request body up to `maxBytes`, decompressing `gzip` / `deflate` as it
 * streams: both the bytes on the wire and the bytes after decompression are
 * counted, so a gzip bomb is cut off at the limit instead of filling memory.
 */
export async function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new RequestBodyError(413, `request body of ${declared} bytes is over the limit of ${maxBytes} bytes`)
  }
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim()
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    throw new RequestBodyError(415, `content-encoding ${JSON.stringify(encoding)} is not supported: send identity, gzip or deflate`)
  }
  const raw = await collect(request, maxBytes, 'request body')
  if (encoding === 'identity') return raw
  const decompressor = encoding === 'gzip' ? createGunzip() : createInflate()
  const done = collect(decompressor, maxBytes, 'decompressed request body').catch((error: unknown) => {
    if (error instanceof RequestBodyError) throw error
    throw new RequestBodyError(400, `request body is not valid ${encoding} data: ${error instanceof Error ? error.message : String(error)}`)
  })
  decompressor.end(raw)
  return done
}

async function collect(source: NodeJS.ReadableStream & { destroy(error?: Error): void }, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  return new Promise<Buffer>((resolve, reject) => {
    source.on('data', (chunk: Buffer) => {
      total += chunk.length
      if (total > maxBytes) {
        const error = new RequestBodyError(413, `${what} is over the limit of ${maxBytes} bytes`)
        source.removeAllListeners('data')
        // The decompressor can go; the request itself is left for the response to
        // close with `Connection: close`, so the client still reads the 413.
        if (!('headers' in source)) source.destroy()
        else source.pause()
        reject(error)
        return
      }
      chunks.push(chunk)
    })
    source.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)))
    source.on('error', (error: Error) => reject(error))
    source.on('close', () => {
      if (total <= maxBytes) reject(new RequestBodyError(400, `${what} ended before it was complete`))
    })
  })
}

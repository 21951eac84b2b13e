/** A response body that can be read and, when we stop early, destroyed. */
export interface ReadableBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown
}

/** A success body over its limit: reading stopped rather than buffering without end. */
export class BodyTooLargeError extends Error {
  readonly limitBytes: number
  constructor(limitBytes: number) {
    super(`the response body exceeded the limit of ${limitBytes} bytes`)
    this.name = 'BodyTooLargeError'
    this.limitBytes = limitBytes
  }
}

export interface ReadBodyOptions {
  limitBytes: number
  /** `truncate` keeps the first limitBytes (error bodies, for diagnosis); `throw` rejects (success bodies). */
  overflow: 'truncate' | 'throw'
}

/** Reads a body as UTF-8 text, never holding more than the limit. */
export async function readBodyText(body: ReadableBody, options: ReadBodyOptions): Promise<string> {
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of body) {
    const room = options.limitBytes - length
    if (chunk.byteLength > room) {
      if (options.overflow === 'throw') {
        body.destroy()
        throw new BodyTooLargeError(options.limitBytes)
      }
      chunks.push(chunk.subarray(0, room))
      body.destroy()
      break
    }
    chunks.push(chunk)
    length += chunk.byteLength
  }
  return Buffer.concat(chunks).toString('utf8')
}

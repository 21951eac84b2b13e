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

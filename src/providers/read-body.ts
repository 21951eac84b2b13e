import { SwitchyardError } from '../errors/switchyard-error.js'

/** A response body that can be read and, when we stop early, destroyed. */
export interface ReadableBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown
}

/** A success body over its limit: reading stopped rather than buffering without end. */
export class BodyTooLargeError extends SwitchyardError {
  declare readonly code: 'response_body_too_large'
  readonly limitBytes: number
  constructor(limitBytes: number) {
    super({ code: 'response_body_too_large', message: `the response body exceeded the limit of ${limitBytes} bytes` })
    this.limitBytes = limitBytes
  }
}

import { SwitchyardError } from '../../errors/switchyard-error.js'

/**
 * A request's rows would encode to more bytes than one batch may hold. Thrown while
 * encoding, as soon as the running total passes the limit, so a request whose rows
 * multiply a shared value (every span of a resource repeats its attributes) is refused
 * before the encoding is built. The collector answers it with 413.
 */
export class EncodedRowsTooLargeError extends SwitchyardError {
  declare readonly code: 'encoded_rows_too_large'
  /** Rows in the request. */
  readonly rows: number
  /** Rows encoded when the total passed the limit. */
  readonly rowsEncoded: number
  /** Bytes those rows took: more than maxBytes. */
  readonly bytesEncoded: number
  readonly maxBytes: number

  constructor(details: { rows: number; rowsEncoded: number; bytesEncoded: number; maxBytes: number }) {
    super({
      code: 'encoded_rows_too_large',
      message: `${details.rows} rows take more than ${details.maxBytes} bytes encoded (${details.bytesEncoded} bytes by row ${details.rowsEncoded}); ` +
        'send fewer spans per request, or smaller resource attributes',
    })
    this.rows = details.rows
    this.rowsEncoded = details.rowsEncoded
    this.bytesEncoded = details.bytesEncoded
    this.maxBytes = details.maxBytes
  }
}

export function isEncodedRowsTooLargeError(error: unknown): error is EncodedRowsTooLargeError {
  return EncodedRowsTooLargeError.isInstance(error)
}

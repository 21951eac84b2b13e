/**
 * A request's rows would encode to more bytes than one batch may hold. Thrown while
 * encoding, as soon as the running total passes the limit, so a request whose rows
 * multiply a shared value (every span of a resource repeats its attributes) is refused
 * before the encoding is built. The collector answers it with 413.
 */
export class EncodedRowsTooLargeError extends Error {
  override readonly name = 'EncodedRowsTooLargeError'
  readonly code = 'SWITCHYARD_ENCODED_ROWS_TOO_LARGE'
  /** Rows in the request. */
  readonly rows: number
  /** Rows encoded when the total passed the limit. */
  readonly rowsEncoded: number
  /** Bytes those rows took: more than maxBytes. */
  readonly bytesEncoded: number
  readonly maxBytes: number

  constructor(details: { rows: number; rowsEncoded: number; bytesEncoded: number; maxBytes: number }) {
    super(
      `${details.rows} rows take more than ${details.maxBytes} bytes encoded (${details.bytesEncoded} bytes by row ${details.rowsEncoded}); ` +
        'send fewer spans per request, or smaller resource attributes',
    )
    this.rows = details.rows
    this.rowsEncoded = details.rowsEncoded
    this.bytesEncoded = details.bytesEncoded
    this.maxBytes = details.maxBytes
  }
}

export function isEncodedRowsTooLargeError(error: unknown): error is EncodedRowsTooLargeError {
  return error instanceof EncodedRowsTooLargeError
}

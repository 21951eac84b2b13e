import type { otlpDecodeErrorCodes } from '../../errors/switchyard-error-code.js'
import { SwitchyardError } from '../../errors/switchyard-error.js'

/** Why a whole OTLP request body was refused; stable, so callers can branch on it. */
export type OtlpDecodeErrorCode = (typeof otlpDecodeErrorCodes)[number]

/**
 * A request body that cannot be decoded at all (truncated or garbage protobuf, invalid
 * JSON, a field of the wrong type, more spans than allowed). The collector answers it with
 * HTTP 400; a single bad span is not this error but a partial-success rejection.
 * `offset` is the byte offset into a protobuf body, `path` the field path in a JSON body.
 */
export class OtlpDecodeError extends SwitchyardError {
  declare readonly code: OtlpDecodeErrorCode
  readonly offset: number | undefined
  readonly path: string | undefined

  constructor(options: { code: OtlpDecodeErrorCode; message: string; offset?: number; path?: string }) {
    super({ code: options.code, message: options.message })
    this.offset = options.offset
    this.path = options.path
  }
}

export function isOtlpDecodeError(error: unknown): error is OtlpDecodeError {
  return OtlpDecodeError.isInstance(error)
}

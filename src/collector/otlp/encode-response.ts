/** What a trace export request partly refused: OTLP `ExportTracePartialSuccess`. */
export interface PartialSuccess {
  rejectedSpans: number
  errorMessage: string
}

export interface ExportResponseOptions {
  encoding: 'protobuf' | 'json'
  /** Omitted, or nothing rejected and no message: the empty response of full success. */
  partialSuccess?: PartialSuccess | undefined
}

/**
 * An `ExportTraceServiceResponse` body in the request's encoding: protobuf bytes for
 * `application/x-protobuf`, JSON text for `application/json`. Full success is the empty
 * message (no bytes, or `{}`), as the OTLP spec asks.
 */
export function encodeExportResponse(options: ExportResponseOptions): Uint8Array | string {
  return options.encoding === 'protobuf'
    ? encodeExportResponseProtobuf(options.partialSuccess)
    : encodeExportResponseJson(options.partialSuccess)
}

export function encodeExportResponseJson(options: PartialSuccess | undefined): string {
  const partialSuccess = refusedPart(options)
  if (partialSuccess === undefined) return '{}'
  // int64 is a decimal string in the proto3 JSON mapping.
  return JSON.stringify({
    partialSuccess: { rejectedSpans: String(partialSuccess.rejectedSpans), errorMessage: partialSuccess.errorMessage },
  })
}

/** ExportTraceServiceResponse { partial_success = 1 { rejected_spans = 1 (int64), error_message = 2 } } */
export function encodeExportResponseProtobuf(options: PartialSuccess | undefined): Uint8Array {
  const partialSuccess = refusedPart(options)
  if (partialSuccess === undefined) return new Uint8Array(0)
  const message = Buffer.from(partialSuccess.errorMessage, 'utf8')
  const inner: number[] = []
  if (partialSuccess.rejectedSpans !== 0) {
    inner.push(0x08)
    pushVarint(inner, partialSuccess.rejectedSpans)
  }
  if (message.length > 0) {
    inner.push(0x12)
    pushVarint(inner, message.length)
  }
  const head: number[] = [0x0a]
  pushVarint(head, inner.length + message.length)
  const body = new Uint8Array(head.length + inner.length + message.length)
  body.set(head, 0)
  body.set(inner, head.length)
  body.set(message, head.length + inner.length)
  return body
}

/** The partial success worth reporting, or undefined for a full success. */
function refusedPart(partialSuccess: PartialSuccess | undefined): PartialSuccess | undefined {
  if (partialSuccess === undefined) return undefined
  return partialSuccess.rejectedSpans === 0 && partialSuccess.errorMessage === '' ? undefined : partialSuccess
}

// Counts here are non-negative and far below 2^53, so plain arithmetic is exact.
function pushVarint(target: number[], value: number): void {
  let rest = Math.max(0, Math.trunc(value))
  while (rest >= 0x80) {
    target.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  target.push(rest)
}

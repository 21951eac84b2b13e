/**
 * The body of an OTLP/HTTP error response: a `google.rpc.Status` in the request's
 * own encoding (protobuf or JSON), as the OTLP specification asks.
 */
export function encodeErrorStatus(options: { contentType: 'protobuf' | 'json'; grpcCode: number; message: string }): Buffer {
  const { contentType, grpcCode, message } = options
  if (contentType === 'json') return Buffer.from(JSON.stringify({ code: grpcCode, message }))
  const text = Buffer.from(message, 'utf8')
  return Buffer.concat([Buffer.from([0x08]), varint(grpcCode), Buffer.from([0x12]), varint(text.length), text])
}

function varint(value: number): Buffer {
  const bytes: number[] = []
  let rest = value >>> 0
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80)
    rest >>>= 7
  }
  bytes.push(rest)
  return Buffer.from(bytes)
}

/** gRPC status codes the collector uses in error bodies. */
export const grpcCode = {
  invalidArgument: 3,
  permissionDenied: 7,
  resourceExhausted: 8,
  unavailable: 14,
  unimplemented: 12,
  internal: 13,
  unauthenticated: 16,
} as const

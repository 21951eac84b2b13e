/**
 * A minimal protobuf writer for hand-made test input: what no real serializer would send
 * (unknown fields of every wire type, groups, wrong wire types, odd id lengths).
 */
export type Field = Uint8Array

export function varint(value: bigint | number): number[] {
  let rest = BigInt.asUintN(64, BigInt(value))
  const out: number[] = []
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80)
    rest >>= 7n
  }
  out.push(Number(rest))
  return out
}

export function tag(fieldNumber: number, wireType: number): number[] {
  return varint((fieldNumber << 3) | wireType)
}

export function varintField(fieldNumber: number, value: bigint | number): Field {
  return Uint8Array.from([...tag(fieldNumber, 0), ...varint(value)])
}

export function fixed64Field(fieldNumber: number, value: bigint): Field {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true)
  return Uint8Array.from([...tag(fieldNumber, 1), ...bytes])
}

export function doubleField(fieldNumber: number, value: number): Field {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setFloat64(0, value, true)
  return Uint8Array.from([...tag(fieldNumber, 1), ...bytes])
}

export function fixed32Field(fieldNumber: number, value: number): Field {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value, true)
  return Uint8Array.from([...tag(fieldNumber, 5), ...bytes])
}

export function bytesField(fieldNumber: number, content: Uint8Array | string): Field {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content
  return Uint8Array.from([...tag(fieldNumber, 2), ...varint(bytes.length), ...bytes])
}

export function messageField(fieldNumber: number, ...fields: Field[]): Field {
  return bytesField(fieldNumber, concat(...fields))
}

export function groupField(fieldNumber: number, ...fields: Field[]): Field {
  return concat(Uint8Array.from(tag(fieldNumber, 3)), ...fields, Uint8Array.from(tag(fieldNumber, 4)))
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** A KeyValue with a string value: the common attribute. */
export function stringAttribute(fieldNumber: number, key: string, value: string): Field {
  return messageField(fieldNumber, bytesField(1, key), messageField(2, bytesField(1, value)))
}

/** An ExportTraceServiceRequest with one resource, one scope and the given spans. */
export function requestWithSpans(spans: Field[][], resource: Field[] = [stringAttribute(1, 'service.name', 'svc')]): Uint8Array {
  return messageField(1, messageField(1, ...resource), messageField(2, messageField(1, bytesField(1, 'scope')), ...spans.map((fields) => messageField(2, ...fields))))
}

export const traceIdBytes = hexBytes('0af7651916cd43dd8448eb211c80319c')
export const spanIdBytes = hexBytes('b7ad6b7169203331')

/** The fields of a minimal valid span. */
export function validSpanFields(name = 'span', ...extra: Field[]): Field[] {
  return [bytesField(1, traceIdBytes), bytesField(2, spanIdBytes), bytesField(5, name), fixed64Field(7, 1_767_225_600_000_000_001n), fixed64Field(8, 1_767_225_600_000_001_001n), ...extra]
}

// Char codes of each byte's two hex digits: ids are built as flat strings in one call.
const hexCodes = new Uint16Array(512)
for (let byte = 0; byte < 256; byte++) {
  const digits = byte.toString(16).padStart(2, '0')
  hexCodes[byte * 2] = digits.charCodeAt(0)
  hexCodes[byte * 2 + 1] = digits.charCodeAt(1)
}
const traceIdCodes: number[] = new Array<number>(32).fill(0)
const spanIdCodes: number[] = new Array<number>(16).fill(0)
const hexText = /^[0-9a-fA-F]*$/
const zeroText = /^0*$/

/** Lowercase hex of `length` (16 or 8) bytes, or '' when they are all zero (an unset id in OTLP). */
export function hexId(bytes: Uint8Array, start: number, length: 16 | 8): string {
  const codes = length === 16 ? traceIdCodes : spanIdCodes
  let any = 0
  for (let index = 0; index < length; index++) {
    const byte = bytes[start + index]!
    any |= byte
    codes[index * 2] = hexCodes[byte * 2]!
    codes[index * 2 + 1] = hexCodes[byte * 2 + 1]!
  }
  return any === 0 ? '' : String.fromCharCode.apply(null, codes)
}

/**
 * A hex id from OTLP/JSON normalised to lowercase ('' when all zero), or undefined when it
 * is not exactly `digits` hex digits.
 */
export function hexIdFromText(text: string, digits: number): string | undefined {
  if (text.length !== digits || !hexText.test(text)) return undefined
  return zeroText.test(text) ? '' : text.toLowerCase()
}

export interface DataUrl {
  mediaType: string
  /** Base64 payload. */
  data: string
}

/** Splits a `data:<media type>;base64,<data>` URL; undefined for any other URL. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  if (match === null) return undefined
  const [, mediaType = '', data = ''] = match
  return { mediaType, data }
}

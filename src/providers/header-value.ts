/** Response headers as undici hands them over. */
export type ResponseHeaders = Record<string, string | string[] | undefined>

/** The first value of a header, by lower-case name. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

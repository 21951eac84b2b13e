/**
 * Characters a terminal acts on instead of printing: C0 (ESC starts colour, cursor,
 * title and hyperlink sequences; CR and backspace overwrite what came before), DEL,
 * C1 (0x9b is a one-byte CSI), the line and paragraph separators, and the bidi marks,
 * embeddings, overrides and isolates that make text read in another order than it is
 * stored (the "Trojan Source" trick).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's whole job
const terminalControls = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

/** The same without C0, which JSON.stringify already escapes inside strings (outside them it is layout). */
const jsonUnescapedControls = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

/**
 * Text from span data made safe to print: every control character becomes a visible
 * `\u001b`-style escape, so a workflow named with an ESC sequence shows as written
 * rather than recolouring, moving or retitling the user's terminal. Escaping rather
 * than dropping keeps two names that differ only in such characters apart.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(terminalControls, unicodeEscape)
}

/**
 * JSON text whose strings carry C1, separator and bidi characters as `\u` escapes:
 * the same value once parsed, and nothing a terminal acts on when printed.
 */
export function escapeJsonControlCharacters(json: string): string {
  return json.replace(jsonUnescapedControls, unicodeEscape)
}

function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** A leading character that makes a spreadsheet read a cell as a formula (tab and CR too: some strip them first). */
const formulaStart = /^[=+\-@\t\r]/

/**
 * Characters a terminal acts on when the CSV is printed to it (`switchyard report
 * --format csv` without a redirect): ESC starts title, colour, clear-screen and
 * clipboard (OSC 52) sequences, BEL, backspace and the other C0 controls, DEL, and
 * C1 (0x9b is a one-byte CSI). Tab, line feed and carriage return are CSV's own
 * layout inside quoted cells and stay as they are.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's whole job
const terminalControls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g

/**
 * One CSV record (RFC 4180): fields with a comma, quote or line break are quoted,
 * quotes doubled. Text fields (strings: names and tags from span data) that start
 * like a formula (`=HYPERLINK(...)`, `+`, `-`, `@`, tab, CR) get a leading `'`, so a
 * spreadsheet shows them as text instead of running them, and their terminal
 * controls are written as visible `\u001b`-style escapes, as the table does. Numbers
 * are written as they are, so a figure stays a figure; the decimal strings of
 * amounts begin with a digit and are never touched.
 */
export function csvLine(fields: readonly (string | number | null)[]): string {
  return fields
    .map((field) => {
      if (field === null) return ''
      const text = typeof field === 'number' ? String(field) : textCell(field)
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
    })
    .join(',')
}

function textCell(field: string): string {
  const shown = field.replace(terminalControls, unicodeEscape)
  return formulaStart.test(shown) ? `'${shown}` : shown
}

function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
}

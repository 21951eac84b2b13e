/** A leading character that makes a spreadsheet read a cell as a formula (tab and CR too: some strip them first). */
const formulaStart = /^[=+\-@\t\r]/

/**
 * One CSV record (RFC 4180): fields with a comma, quote or line break are quoted,
 * quotes doubled. Text fields (strings: names and tags from span data) that start
 * like a formula (`=HYPERLINK(...)`, `+`, `-`, `@`, tab, CR) get a leading `'`, so a
 * spreadsheet shows them as text instead of running them. Numbers are written as
 * they are, so a figure stays a figure; the decimal strings of amounts begin with a
 * digit and are never touched.
 */
export function csvLine(fields: readonly (string | number | null)[]): string {
  return fields
    .map((field) => {
      if (field === null) return ''
      const text = typeof field === 'number' ? String(field) : formulaStart.test(field) ? `'${field}` : field
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
    })
    .join(',')
}

import { escapeControlCharacters } from '../shared/escape-control-characters.js'

export interface TextColumn {
  header: string
  align: 'left' | 'right'
}

export interface TextTableOptions {
  columns: readonly TextColumn[]
  rows: readonly (readonly string[])[]
  /** Rows under a rule, such as a total. */
  footer?: readonly (readonly string[])[]
}

/**
 * Columns padded to their widest cell, two spaces apart: text left-aligned,
 * figures right-aligned so their units line up. No trailing spaces. Cells come
 * from span data (workflow, step, model names, tags), so every header and cell has
 * its control characters escaped here: a table is printed to a terminal.
 */
export function renderTextTable(options: TextTableOptions): string {
  const { columns } = options
  const safe = (row: readonly string[]): string[] => row.map(escapeControlCharacters)
  const header = safe(columns.map((column) => column.header))
  const rows = options.rows.map(safe)
  const footer = (options.footer ?? []).map(safe)
  const all = [header, ...rows, ...footer]
  const widths = columns.map((_, index) => Math.max(...all.map((row) => (row[index] ?? '').length)))
  const line = (row: readonly string[]): string => columns
    .map((column, index) => {
      const cell = row[index] ?? ''
      const width = widths[index] ?? 0
      return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width)
    })
    .join('  ')
    .trimEnd()
  const rule = '-'.repeat(widths.reduce((sum, width) => sum + width, 0) + 2 * Math.max(0, columns.length - 1))
  return [
    line(header),
    ...rows.map(line),
    ...(footer.length === 0 ? [] : [rule, ...footer.map(line)]),
  ].join('\n')
}

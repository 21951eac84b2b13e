import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * A suite that did not run because an external part is missing. Test files run in forked
 * workers, so each worker writes its records as files into a directory that the global
 * setup (test/setup/external-parts-report.ts) made and reads back at the end of the run.
 */
export interface MissingPartRecord {
  part: string
  suite: string
  file: string
  install: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where workers record the suites that an absent external part kept from running. */
    missingExternalPartsDirectory: string
  }
}

let written = 0

/** Writes one record into the run's directory (one file per record: workers never share a file). */
export function writeMissingPartRecord(directory: string, record: MissingPartRecord): void {
  mkdirSync(directory, { recursive: true })
  written += 1
  writeFileSync(path.join(directory, `${process.pid}-${written}.json`), JSON.stringify(record))
}

/** Every record of the run, in a stable order; unreadable files are skipped. */
export function readMissingPartRecords(directory: string): MissingPartRecord[] {
  let names: string[]
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.json'))
  } catch {
    return []
  }
  const records: MissingPartRecord[] = []
  for (const name of names) {
    try {
      records.push(JSON.parse(readFileSync(path.join(directory, name), 'utf8')) as MissingPartRecord)
    } catch {
      // A worker killed while writing leaves a torn file; the others still count.
    }
  }
  return records.sort((left, right) => `${left.part} ${left.file} ${left.suite}`.localeCompare(`${right.part} ${right.file} ${right.suite}`))
}

/** The lines printed at the end of a run: each missing part, the suites it kept back, and its install command. */
export function missingPartsReport(records: MissingPartRecord[]): string[] {
  if (records.length === 0) return []
  const lines = ['', 'External parts missing: these suites did not run (under CI=true they fail instead):']
  const parts = [...new Set(records.map((record) => record.part))]
  for (const part of parts) {
    const ofPart = records.filter((record) => record.part === part)
    lines.push(`  ${part}`)
    for (const record of ofPart) lines.push(`    - ${record.file} > ${record.suite}`)
    lines.push(`    install: ${ofPart[0]?.install ?? ''}`)
  }
  lines.push('  (README.md, "Development": tests with external parts)', '')
  return lines
}

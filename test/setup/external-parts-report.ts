import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { missingPartsReport, readMissingPartRecords } from './missing-part-records.js'

/**
 * vitest global setup: gives the workers a directory to record suites that a missing
 * external part (test/helpers/external-parts.ts) kept from running, and prints them with
 * their install command when the run ends, so a green `npm test` on a machine without
 * Python, Redis or Chromium says what it did not test.
 */
export default function setup(project: TestProject): () => void {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-missing-parts-'))
  project.provide('missingExternalPartsDirectory', directory)
  return () => {
    const lines = missingPartsReport(readMissingPartRecords(directory))
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`)
    rmSync(directory, { recursive: true, force: true })
  }
}

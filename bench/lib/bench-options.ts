import { writeFileSync } from 'node:fs'
import type { BenchResult } from './figure.js'

export interface BenchOptions {
  quick: boolean
  /** Where to write the result JSON; absent: print it to stdout. */
  out?: string
}

/** `--quick` and `--out <file>`, as bench/run.ts passes them to each benchmark process. */
export function benchOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const outIndex = argv.indexOf('--out')
  return { quick: argv.includes('--quick'), out: outIndex === -1 ? undefined : argv[outIndex + 1] }
}

export function writeResult(options: BenchOptions, result: BenchResult): void {
  const text = `${JSON.stringify(result, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`
  if (options.out === undefined) process.stdout.write(text)
  else writeFileSync(options.out, text)
}

/** Progress for the person watching; stderr, so stdout stays the result. */
export function log(message: string): void {
  process.stderr.write(`  ${message}\n`)
}

import { CliUsageError } from './cli-arguments.js'

const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }

/** A duration flag such as `90s`, `30m`, `1h`, `1.5h`, `7d`, or `0`, in ms; undefined when absent. */
export function durationOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text === '0') return 0
  const match = /^(\d+(?:\.\d+)?)(ms|s|min|m|h|d)$/.exec(text)
  if (match === null) throw new CliUsageError(`--${flag} must be a duration such as 30m, 1h or 0 (got ${JSON.stringify(value)})`)
  return Math.round(Number(match[1]) * unitMs[match[2]!]!)
}

import type { BudgetMatch } from './budget-config.js'

/**
 * One budget's spend as the store has it. The window is split in two at `recentFromMs`:
 * before it the pre-aggregated rollups (hours for the body, minutes for the edges);
 * from it on the typed calls themselves, read in the same scan that tells which of
 * `spanIds` the store already holds. That one scan is what makes the handover of this
 * process's finished calls exact (see budget-state.ts).
 */
export interface SpendQuery {
  match: BudgetMatch
  /** Start of the window, on a whole minute. */
  fromMs: number
  /** On a whole minute, at or after `fromMs`. */
  recentFromMs: number
  /** Spans of this process's calls whose arrival in the store the ledger waits for. */
  spanIds: readonly string[]
}

/** Spend that started in `[startMs, startMs + durationMs)`, in pico-USD. */
export interface SpendBucket {
  startMs: number
  durationMs: number
  units: bigint
}

export interface SpendSnapshot {
  buckets: SpendBucket[]
  /** The members of `spanIds` found in the same scan that summed the recent buckets. */
  seenSpanIds: string[]
}

/** p95 of output tokens per workflow, step and requested model, for reservations without maxTokens. */
export interface OutputTokenPercentile {
  workflow: string
  step: string
  model: string
  tokens: number
  calls: number
}

/** Where the ledger reads settled spend: ClickHouse itself, or a collector that embeds it. */
export interface SpendSource {
  /** For logs and errors, without credentials. */
  readonly description: string
  /** The most span ids one query may carry (a URL is shorter than a SQL parameter). */
  readonly maxSpanIds: number
  fetchSpend(query: SpendQuery): Promise<SpendSnapshot>
  /** Absent when the source cannot answer it; reservations then use the model's maximum output. */
  fetchOutputTokenPercentiles?(options: { sinceMs: number; limit: number }): Promise<OutputTokenPercentile[]>
}

import type { BudgetScope } from './budget-scope.js'
import type { SpendSource } from './spend-source.js'

/** Where a reservation's output tokens came from. */
export type OutputTokenSource = 'request' | 'percentile' | 'model_maximum' | 'default'

export interface OutputTokenEstimate {
  tokens: number
  source: OutputTokenSource
}

export interface OutputTokenPercentilesOptions {
  /** How far back calls are looked at (default 7 days). */
  lookbackMs?: number
  /** The most (workflow, step, model) entries kept, busiest first (default 10,000). */
  maxEntries?: number
}

/**
 * The 95th percentile of output tokens per (workflow, step, requested model), read
 * from the store in the background and kept in memory, so a reservation for a call
 * without `maxTokens` costs what such calls usually produce rather than the model's
 * whole output limit, and reads no store on the hot path.
 */
export class OutputTokenPercentiles {
  readonly #lookbackMs: number
  readonly #maxEntries: number
  #entries = new Map<string, number>()

  constructor(options: OutputTokenPercentilesOptions = {}) {
    this.#lookbackMs = options.lookbackMs ?? 7 * 86_400_000
    this.#maxEntries = options.maxEntries ?? 10_000
  }

  get size(): number {
    return this.#entries.size
  }

  /** Replace the cache from the source; a source that cannot answer leaves it as it was. */
  async refresh(options: { source: SpendSource; nowMs: number }): Promise<void> {
    if (options.source.fetchOutputTokenPercentiles === undefined) return
    const rows = await options.source.fetchOutputTokenPercentiles({ sinceMs: options.nowMs - this.#lookbackMs, limit: this.#maxEntries })
    const entries = new Map<string, number>()
    for (const row of rows.slice(0, this.#maxEntries)) {
      if (Number.isFinite(row.tokens) && row.tokens > 0) entries.set(key(row.workflow, row.step, row.model), Math.ceil(row.tokens))
    }
    this.#entries = entries
  }

  lookup(scope: BudgetScope): number | undefined {
    return this.#entries.get(key(scope.workflow ?? '', scope.step ?? '', scope.model ?? ''))
  }
}

function key(workflow: string, step: string, model: string): string {
  return `${workflow}\u0000${step}\u0000${model}`
}

import { diag } from '@opentelemetry/api'

/**
 * Warns through the OpenTelemetry diagnostics logger the first time a
 * provider/model has no price, and stays quiet after that: an unknown model
 * is counted under the unknown-model policy (or, without a price to count
 * it at, recorded with cost 0 and source `unknown`) on every call, which must
 * be visible but must not flood the log. The set of warned models is bounded;
 * past the limit further unknown models are counted in `suppressed`.
 */
export class UnknownModelWarnings {
  readonly limit: number
  readonly #warned = new Set<string>()
  #suppressedCount = 0

  constructor(limit = 1000) {
    this.limit = limit
  }

  /** Warnings not logged because the limit was reached. */
  get suppressed(): number {
    return this.#suppressedCount
  }

  /** Logs the warning unless this provider/model was warned about already; true when it logged. */
  warnOnce(options: { provider: string; model: string; at: Date; reason: 'unknown_model' | 'not_in_force'; countedAs?: string | undefined }): boolean {
    const key = `${options.provider.toLowerCase()}\u0000${options.model.toLowerCase()}`
    if (this.#warned.has(key)) return false
    if (this.#warned.size >= this.limit) {
      this.#suppressedCount += 1
      return false
    }
    this.#warned.add(key)
    const why =
      options.reason === 'unknown_model'
        ? 'the price table has no entry for it'
        : `no entry of it is in force at ${options.at.toISOString()}`
    const counted =
      options.countedAs === undefined
        ? 'Its calls are recorded with cost 0 and switchyard.cost.source=unknown'
        : `Its calls are counted ${options.countedAs} (prices.unknownModel), recorded with switchyard.cost.source=estimate`
    try {
      diag.warn(
        `switchyard: no price for model ${options.model} of provider ${options.provider}: ${why}. ` +
          `${counted}; add a price entry with createPriceTable({ entries }).`,
      )
    } catch {
      // A logger that throws must not fail the call being priced.
    }
    return true
  }
}

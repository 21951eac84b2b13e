import type { BudgetWindow } from './budget-config.js'
import type { BudgetState } from './budget-state.js'

const hourMs = 3_600_000

/** One budget as `switchyard budgets` shows it; amounts in pico-USD. */
export interface BudgetStatus {
  name: string
  window: BudgetWindow
  windowStartMs: number
  windowEndMs?: number
  settledUnits: bigint
  unconfirmedUnits: bigint
  reservedUnits: bigint
  spentUnits: bigint
  limitUnits: bigint
  share: number
  /** Spend per hour over `burnRateBasis`. */
  burnRatePerHourUnits: bigint
  /** "last hour", "window (15m)" or "since the window started (25 min)". */
  burnRateBasis: string
  /**
   * When the limit is reached at that rate: the current time if it already is;
   * undefined when the rate is 0, or (calendar) when the window resets first. For
   * rolling windows spend leaving the window is not counted, so this is early, not late.
   */
  runsOutAtMs?: number
  stale: boolean
  storeAgeMs?: number
  lastError?: string
  /** With shared budgets (`switchyard budgets`): entries Redis dropped at its cap, and leases that ran out. */
  shared?: { dropped: number; expired: number }
}

/** A budget's figures now and how fast it is spending. */
export function budgetStatus(options: { state: BudgetState; nowMs: number }): BudgetStatus {
  const { state, nowMs } = options
  const evaluation = state.evaluate(nowMs, 0n)
  const rollingMs = state.window.rollingMs
  let basisMs: number
  let basis: string
  if (rollingMs !== undefined && rollingMs < hourMs) {
    basisMs = rollingMs
    basis = `window (${rollingMs / 60_000}m)`
  } else if (rollingMs === undefined && nowMs - evaluation.windowStartMs < hourMs) {
    basisMs = Math.max(60_000, nowMs - evaluation.windowStartMs)
    basis = `since the window started (${Math.round(basisMs / 60_000)} min)`
  } else {
    basisMs = hourMs
    basis = 'last hour'
  }
  const recent = state.spendSince(nowMs - basisMs, nowMs) + evaluation.reservedUnits
  const rate = (recent * BigInt(hourMs)) / BigInt(basisMs)
  const status: BudgetStatus = {
    name: evaluation.name,
    window: evaluation.window,
    windowStartMs: evaluation.windowStartMs,
    settledUnits: evaluation.settledUnits,
    unconfirmedUnits: evaluation.unconfirmedUnits,
    reservedUnits: evaluation.reservedUnits,
    spentUnits: evaluation.spentUnits,
    limitUnits: evaluation.limitUnits,
    share: evaluation.share,
    burnRatePerHourUnits: rate,
    burnRateBasis: basis,
    stale: evaluation.stale,
  }
  if (evaluation.windowEndMs !== undefined) status.windowEndMs = evaluation.windowEndMs
  if (evaluation.storeAgeMs !== undefined) status.storeAgeMs = evaluation.storeAgeMs
  if (state.lastError !== undefined) status.lastError = state.lastError
  const left = evaluation.limitUnits - evaluation.spentUnits
  if (left <= 0n) {
    status.runsOutAtMs = nowMs
  } else if (rate > 0n) {
    const runsOutAtMs = nowMs + Number((left * BigInt(hourMs)) / rate)
    if (evaluation.windowEndMs === undefined || runsOutAtMs < evaluation.windowEndMs) status.runsOutAtMs = runsOutAtMs
  }
  return status
}

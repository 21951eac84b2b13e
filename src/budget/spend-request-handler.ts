import { diag } from '@opentelemetry/api'
import type { Store } from '../store/create-store.js'
import { errorSummary } from '../shared/error-summary.js'
import { formatUsd } from '../pricing/format-usd.js'
import type { BudgetWindow } from './budget-config.js'
import { parseSpendRequestParams } from './spend-request-params.js'
import { readStoreSpend } from './store-spend-source.js'

/** What a 503 says: the store failed, and what to do; why it failed is in the collector's log only. */
export const spendStoreFailureMessage = 'the store did not answer the spend query (the collector logged why): retry later, and check the store with GET /readyz'

/** The body of a 200 answer of `/v1/spend`: every amount an exact decimal string of USD. */
export interface SpendResponseBody {
  /** The window asked for, or null when the request gave `from`. */
  window: BudgetWindow | null
  from: string
  /** The end of a calendar window (its next boundary), else null. */
  to: string | null
  spentUsd: string
  buckets: { start: string; seconds: number; costUsd: string }[]
  seenSpanIds: string[]
}

export type SpendResponse =
  | { status: 200; body: SpendResponseBody }
  | { status: 400 | 503; body: { error: string } }

export interface HandleSpendRequestOptions {
  store: Store
  searchParams: URLSearchParams
  now?: () => number
}

/**
 * `GET /v1/spend` (or `POST` with the same parameters as a form body): the spend of one scope in one window, for routers whose store is
 * embedded in the collector. Parameters: the match (`workflow`, `step`, `provider`,
 * `model`, `tag.<key>`, with `*` wildcards), then either `window` (`15m` ... `30d`, or
 * `day` / `month` with an optional `timeZone`) or `from` (an ISO 8601 instant); for
 * routers, `recentFrom` and `spanIds` (comma-separated) as in SpendQuery. Every
 * problem is a 400 that names the parameter (spend-request-params.ts holds the bounds);
 * a store that fails is a 503 whose body says only that, the reason going to the OTel
 * diagnostics logger: ClickHouse messages quote statements and values. The
 * collector mounts this; it does not read the request itself, so it is easy to test.
 */
export async function handleSpendRequest(options: HandleSpendRequestOptions): Promise<SpendResponse> {
  const nowMs = (options.now ?? Date.now)()
  const parsed = parseSpendRequestParams(options.searchParams, nowMs)
  if ('error' in parsed) return { status: 400, body: { error: parsed.error } }
  let snapshot
  try {
    snapshot = await readStoreSpend({ store: options.store, query: parsed.query })
  } catch (error) {
    diag.error(`switchyard: /v1/spend: the spend query failed on the store ${options.store.displayUrl}: ${errorSummary(error)}`)
    return { status: 503, body: { error: spendStoreFailureMessage } }
  }
  const total = snapshot.buckets.reduce((sum, bucket) => sum + bucket.units, 0n)
  return {
    status: 200,
    body: {
      window: parsed.window ?? null,
      from: new Date(parsed.query.fromMs).toISOString(),
      to: parsed.toMs === undefined ? null : new Date(parsed.toMs).toISOString(),
      spentUsd: formatUsd(total),
      buckets: snapshot.buckets.map((bucket) => ({
        start: new Date(bucket.startMs).toISOString(),
        seconds: bucket.durationMs / 1000,
        costUsd: formatUsd(bucket.units),
      })),
      seenSpanIds: snapshot.seenSpanIds,
    },
  }
}

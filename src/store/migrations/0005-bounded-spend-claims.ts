import { boundedLlmCallsViewStatement } from './llm-calls-view.js'
import type { Migration } from './migration.js'

/**
 * Rows that the views of migrations 2 and 4 took as written and the view of this
 * migration would not: a cost below 0 or above the per-call bound (USD 10,000), a
 * token count above 10^8. Such a row makes every sum that includes it wrong (a
 * cost of -4.99 beside a real 5 reads as 0.01 spent) or unreadable (a negative
 * total, which /v1/spend refuses), and Decimal sums wrap rather than fail once
 * they pass 2^127 units.
 */
const badCost = '(CostUsd < 0 OR CostUsd > 10000)'
const badTokens = (column: string): string => `${column} > 100000000`
const tokenColumns = ['InputTokens', 'OutputTokens', 'CacheReadInputTokens', 'CacheWriteInputTokens', 'ReasoningOutputTokens'] as const
const badRow = [badCost, ...tokenColumns.map(badTokens)].join(' OR ')

/**
 * Takes back from a rollup what the bad rows added to it, bucket by bucket: the
 * negated cost (and tokens, modulo 2^64 as UInt64 sums are), with no calls, which
 * SummingMergeTree adds to the same key. It runs before the rows are repaired
 * (the repair destroys the amounts to take back), and under a fixed
 * deduplication token, so a migration interrupted after it and run again does not
 * take them back twice; once the rows are repaired it selects nothing.
 */
function rollupRepair(table: string, bucket: string): string {
  const negatedTokens = (column: string): string => `sum(if(${badTokens(column)}, bitNot(${column}) + 1, toUInt64(0)))`
  return `INSERT INTO ${table} (Bucket, Workflow, Step, Provider, Model, CostUsd, Calls, InputTokens, OutputTokens)
SETTINGS insert_deduplication_token = 'switchyard-migration-5-${table}'
SELECT
    ${bucket}(Timestamp) AS RepairBucket,
    Workflow AS RepairWorkflow,
    Step AS RepairStep,
    Provider AS RepairProvider,
    if(ResponseModel != '', ResponseModel, RequestModel) AS RepairModel,
    sum(if(${badCost}, -CostUsd, toDecimal128(0, 12))) AS RepairCost,
    toUInt64(0) AS RepairCalls,
    ${negatedTokens('InputTokens')} AS RepairInputTokens,
    ${negatedTokens('OutputTokens')} AS RepairOutputTokens
FROM llm_calls
WHERE ${badRow}
GROUP BY RepairBucket, RepairWorkflow, RepairStep, RepairProvider, RepairModel`
}

/**
 * The bad rows themselves: an out-of-bound cost becomes 0 with source `unknown`
 * (what the span claimed stays in `otel_traces` for audit; the row is not priced
 * again, as `llm_calls` has no price join), an out-of-bound token count becomes 0.
 * Every expression reads the row as it was before the update. Synchronous, so the
 * store is repaired when the migration is recorded; repeating it changes nothing.
 */
const rowRepair = `ALTER TABLE llm_calls UPDATE
    CostSource = if(${badCost}, 'unknown', CostSource),
    PriceVersion = if(${badCost}, '', PriceVersion),
    CostUsd = if(${badCost}, toDecimal128(0, 12), CostUsd),
${tokenColumns.map((column) => `    ${column} = if(${badTokens(column)}, 0, ${column})`).join(',\n')}
WHERE ${badRow}
SETTINGS mutations_sync = 2`

/**
 * `llm_calls_mv` redefined so that no span, whichever collector wrote it, can put a
 * negative, absurd or overflowing cost or token count into `llm_calls` (see
 * boundedLlmCallsViewStatement), then the rows earlier views took as written are
 * repaired, and their share taken back from the spend rollups. Like migration 4, the
 * view is dropped and recreated, which is why this runs before the collector
 * accepts traffic. Text frozen once released.
 */
export const boundedSpendClaimsMigration: Migration = {
  version: 5,
  name: 'bounded cost and token claims in llm_calls',
  statements: [
    'DROP VIEW IF EXISTS llm_calls_mv',
    boundedLlmCallsViewStatement(),
    rollupRepair('llm_spend_minute', 'toStartOfMinute'),
    rollupRepair('llm_spend_hour', 'toStartOfHour'),
    rowRepair,
  ],
}

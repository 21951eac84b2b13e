import { usageReportedLlmCallsViewStatement } from './llm-calls-view.js'
import type { Migration } from './migration.js'

/**
 * `llm_calls_mv` redefined so that a model-call span that reports no token count is
 * `unknown` at cost 0, never a `catalog` $0 from a price joined to no tokens, and so
 * that the older `gen_ai.usage.cache_creation.input_tokens` counts as cache writes
 * (see usageReportedLlmCallsViewStatement). Rows already in `llm_calls` stay as they
 * are. Like migrations 4 and 5, the view is dropped and recreated, which is why this
 * runs before the collector accepts traffic. Text frozen once released.
 */
export const unpricedWithoutUsageMigration: Migration = {
  version: 7,
  name: 'a span without token counts is unknown, not a catalog $0',
  statements: ['DROP VIEW IF EXISTS llm_calls_mv', usageReportedLlmCallsViewStatement()],
}

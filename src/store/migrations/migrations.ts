import { otelTracesMigration } from './0001-otel-traces.js'
import { llmCallsMigration } from './0002-llm-calls.js'
import { spendRollupsMigration } from './0003-spend-rollups.js'
import { pricesAtIngestMigration } from './0004-prices-at-ingest.js'
import { boundedSpendClaimsMigration } from './0005-bounded-spend-claims.js'
import { insertCheckTableMigration } from './0006-insert-check-table.js'
import { unpricedWithoutUsageMigration } from './0007-unpriced-without-usage.js'
import type { Migration } from './migration.js'

/** Every migration, in order: append only, and a file's number is its place here (CONTRIBUTING.md). */
export const migrations: readonly Migration[] = [otelTracesMigration, llmCallsMigration, spendRollupsMigration, pricesAtIngestMigration, boundedSpendClaimsMigration, insertCheckTableMigration, unpricedWithoutUsageMigration]

import type { Migration } from './migration.js'

/** The table rows are checked against before any is set aside (see the migration below). */
export const OTEL_TRACES_INSERT_CHECK_TABLE = 'otel_traces_insert_check'

/**
 * Migration 6: `otel_traces_insert_check`, the columns the collector writes into
 * `otel_traces`, with their types as migration 1 made them, on the Null engine: an
 * insert into it parses and converts every value as an insert into `otel_traces`
 * would, then keeps nothing.
 *
 * ClickHouse answers "this data is invalid" (CANNOT_PARSE_DATETIME, TYPE_MISMATCH, ...)
 * both for a row that is malformed and for a well-formed row that a changed column
 * or a failing materialized view refuses. The collector may set aside only the first
 * kind; setting aside the second would empty its queue of acknowledged spans into the
 * dead-letter file. So a refused batch is first inserted here: rows this table takes
 * are valid, and their refusal is the store's fault, retried until it is fixed.
 *
 * It has no views and no storage, and the collector needs only INSERT on it. A later
 * migration that changes a column of `otel_traces` must change this table the same
 * way, in that same new migration (released migrations never change;
 * test/collector/insert-check-table.test.ts compares the two tables).
 */
export const insertCheckTableMigration: Migration = {
  version: 6,
  name: OTEL_TRACES_INSERT_CHECK_TABLE,
  statements: [
    `CREATE TABLE IF NOT EXISTS ${OTEL_TRACES_INSERT_CHECK_TABLE} (
    Timestamp DateTime64(9),
    TraceId String,
    SpanId String,
    ParentSpanId String,
    TraceState String,
    SpanName LowCardinality(String),
    SpanKind LowCardinality(String),
    ServiceName LowCardinality(String),
    ResourceAttributes Map(LowCardinality(String), String),
    ScopeName String,
    ScopeVersion String,
    SpanAttributes Map(LowCardinality(String), String),
    Duration UInt64,
    StatusCode LowCardinality(String),
    StatusMessage String,
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    )
) ENGINE = Null`,
  ],
}

import { isFallbackSql, isRetrySql, laterAttemptsSql } from '../report/later-attempts-sql.js'

const target = 'tupleElement(tupleElement(pair, 1), 2)'
const previous = 'tupleElement(pair, 2)'

/**
 * Per-run call figures over `llm_calls` rows matching `where` (fixed SQL with bound
 * parameters only): calls, exact cost, errors, retries and fallbacks.
 *
 * A routed request's attempts share their `route` span as parent; they are put in
 * attempt order and each later attempt is a retry or a fallback by the report's own
 * rule (laterAttemptsSql, isRetrySql in src/report), so the two never disagree. A
 * call outside any route (attempt 0, e.g. from instrument()) is a request of its own.
 */
export function runCallFiguresSql(where: string): string {
  return `SELECT
        WorkflowRunId,
        sum(requestCalls) AS calls,
        toString(sum(requestCost)) AS costUsd,
        sum(requestInputTokens) AS inputTokens,
        sum(requestOutputTokens) AS outputTokens,
        sum(requestErrors) AS errors,
        sum(requestRetries) AS retries,
        sum(requestFallbacks) AS fallbacks
    FROM (
        SELECT
            WorkflowRunId,
            count() AS requestCalls,
            sum(CostUsd) AS requestCost,
            sum(InputTokens) AS requestInputTokens,
            sum(OutputTokens) AS requestOutputTokens,
            countIf(ErrorType != '' OR StatusCode = 'Error') AS requestErrors,
            arraySort((attempt) -> tupleElement(attempt, 1), groupArray(tuple(Attempt, concat(Provider, '/', RequestModel)))) AS ordered,
            ${laterAttemptsSql('ordered')} AS laterAttempts,
            arrayCount((pair) -> ${isRetrySql(target, previous)}, laterAttempts) AS requestRetries,
            arrayCount((pair) -> ${isFallbackSql(target, previous)}, laterAttempts) AS requestFallbacks
        FROM llm_calls
        WHERE ${where}
        GROUP BY WorkflowRunId, TraceId, if(Attempt = 0, SpanId, ParentSpanId), Route
    )
    GROUP BY WorkflowRunId`
}

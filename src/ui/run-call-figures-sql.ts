/**
 * Per-run call figures over `llm_calls` rows matching `where` (fixed SQL with bound
 * parameters only): calls, exact cost, errors, retries and fallbacks.
 *
 * A routed request's attempts share their `route` span as parent; they are put in
 * attempt order, and each later attempt is a retry when it is on the same
 * provider/model as the attempt before it, a fallback when on another. So a retry
 * on the target a request fell back to is a retry, not a second fallback. A call
 * outside any route (attempt 0, e.g. from instrument()) is a request of its own.
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
            arraySort(groupArray((Attempt, concat(Provider, '/', RequestModel)))) AS attempts,
            arrayCount(index -> index > 1 AND attempts[index].2 = attempts[index - 1].2, arrayEnumerate(attempts)) AS requestRetries,
            arrayCount(index -> index > 1 AND attempts[index].2 != attempts[index - 1].2, arrayEnumerate(attempts)) AS requestFallbacks
        FROM llm_calls
        WHERE ${where}
        GROUP BY WorkflowRunId, TraceId, if(Attempt = 0, SpanId, ParentSpanId), Route
    )
    GROUP BY WorkflowRunId`
}

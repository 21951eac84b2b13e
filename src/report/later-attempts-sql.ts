/**
 * The one definition of a retry and a fallback, as SQL over a request's attempts.
 *
 * `ordered` is a ClickHouse array of one request's attempts sorted by attempt
 * number, each a tuple whose first element is the attempt (`Attempt`) and second
 * its target (`concat(Provider, '/', RequestModel)`). The result is its later
 * attempts (2 and up), each as `tuple(attempt, previousTarget)`: the target of the
 * attempt before it, or '' when that attempt is not in the array (outside the
 * window). The report and the web view both count with it, so they agree.
 */
export function laterAttemptsSql(ordered: string): string {
  return `arrayFilter(
        (pair) -> tupleElement(tupleElement(pair, 1), 1) >= 2,
        arrayMap((attempt, index) -> tuple(attempt, if(index = 1, '', tupleElement(${ordered}[index - 1], 2))), ${ordered}, arrayEnumerate(${ordered}))
    )`
}

/**
 * A later attempt on the same provider/model as the attempt before it is a retry, on
 * another a fallback: a fallback is a change of target, so a retry on the target a
 * request fell back to is a retry, and going back to an earlier target is a
 * fallback again. When the attempt before is unknown it counts as a retry rather
 * than guessing a fallback. `target` and `previous` are SQL String expressions.
 */
export function isRetrySql(target: string, previous: string): string {
  return `(${previous} = '' OR ${previous} = ${target})`
}

/** The other side of isRetrySql: a later attempt whose target changed. */
export function isFallbackSql(target: string, previous: string): string {
  return `(${previous} != '' AND ${previous} != ${target})`
}

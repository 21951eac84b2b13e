import type { CompiledMatch, MatchCondition } from './budget-match.js'

/** Which table a condition is written for: the spend rollups, or the typed calls with their tags. */
export type MatchTable = 'rollup' | 'calls'

/**
 * A budget's match as a SQL condition whose values are all bound parameters
 * (`{m0:String}`), added to `params`. Patterns with `*` become LIKE with the
 * pattern's own `%`, `_` and `\` escaped; exact names compare with `=` so the
 * primary key on Workflow/Step still prunes. In the rollups a model is the
 * response model (else the requested one); in `llm_calls` either may match.
 */
export function matchSql(options: { match: CompiledMatch; table: MatchTable; params: Record<string, unknown>; prefix: string }): string {
  const { match, table, params, prefix } = options
  const parts = match.conditions.map((condition, index) => {
    const valueName = `${prefix}${index}`
    params[valueName] = condition.pattern.includes('*') ? likePattern(condition.pattern) : condition.pattern
    const compare = (column: string): string => `${column} ${condition.pattern.includes('*') ? 'LIKE' : '='} {${valueName}:String}`
    return compareColumns(condition, table, compare, params, `${valueName}k`)
  })
  return parts.length === 0 ? '1' : parts.join(' AND ')
}

function compareColumns(
  condition: MatchCondition,
  table: MatchTable,
  compare: (column: string) => string,
  params: Record<string, unknown>,
  keyName: string,
): string {
  switch (condition.field) {
    case 'workflow':
      return compare('Workflow')
    case 'step':
      return compare('Step')
    case 'provider':
      return compare('Provider')
    case 'model':
      return table === 'rollup' ? compare('Model') : `(${compare('RequestModel')} OR ${compare('ResponseModel')})`
    case 'tag':
      if (table === 'rollup') throw new Error('tag conditions cannot be evaluated on the spend rollups')
      params[keyName] = condition.tagKey ?? ''
      return compare(`Tags[{${keyName}:String}]`)
  }
}

function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, '\\$&').replaceAll('*', '%')
}

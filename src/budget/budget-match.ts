import type { BudgetMatch } from './budget-config.js'
import type { BudgetScope } from './budget-scope.js'

export type MatchField = 'workflow' | 'step' | 'provider' | 'model' | 'tag'

/** One condition of a budget's match: a field (or tag key) and its pattern. */
export interface MatchCondition {
  field: MatchField
  /** The tag key, for `tag.<key>` conditions. */
  tagKey?: string
  pattern: string
  /** `*` alone: any value, including none, so the condition is left out entirely. */
  any: boolean
  regex: RegExp
}

/** A budget's match, ready to test scopes and to turn into SQL. */
export interface CompiledMatch {
  readonly conditions: readonly MatchCondition[]
  /** Tags are not in the spend rollups, so such budgets read `llm_calls` instead. */
  readonly hasTags: boolean
  matches(scope: BudgetScope): boolean
}

/**
 * Compile a match: each key's pattern must match the scope's value, where `*` stands
 * for any run of characters and everything else is literal. A value the scope does not
 * have counts as the empty string, as an absent tag does in the store's `Tags` map.
 */
export function compileMatch(match: BudgetMatch): CompiledMatch {
  const conditions: MatchCondition[] = Object.entries(match).map(([key, pattern]) => {
    const isTag = key.startsWith('tag.')
    return {
      field: isTag ? 'tag' : (key as Exclude<MatchField, 'tag'>),
      tagKey: isTag ? key.slice('tag.'.length) : undefined,
      pattern,
      any: /^\*+$/.test(pattern),
      regex: globRegex(pattern),
    }
  })
  const active = conditions.filter((condition) => !condition.any)
  return {
    conditions: active,
    hasTags: active.some((condition) => condition.field === 'tag'),
    matches: (scope) => active.every((condition) => condition.regex.test(scopeValue(scope, condition))),
  }
}

function scopeValue(scope: BudgetScope, condition: MatchCondition): string {
  if (condition.field === 'tag') return scope.tags?.[condition.tagKey ?? ''] ?? ''
  return scope[condition.field] ?? ''
}

function globRegex(pattern: string): RegExp {
  const body = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  return new RegExp(`^${body}$`, 's')
}

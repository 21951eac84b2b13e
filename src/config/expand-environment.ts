import type { RawConfigIssue } from './zod-config-issues.js'

/** What `expandEnvironment` made of a config value. */
export interface ExpandedConfig {
  /** The value with every `${NAME}` replaced; a reference that could not be replaced is left as written. */
  value: unknown
  /** One issue per field naming a variable that is missing or empty, or a malformed `${...}`. */
  issues: RawConfigIssue[]
  /** Every value substituted in, so that error messages can be scrubbed of them. */
  substituted: string[]
}

/** Configs are shallow; deeper nesting is a mistake or a cycle in an ES module's object. */
const maximumDepth = 32

/** `$${` (escape), `${NAME}` (reference), or a `${` that is neither. */
const referencePattern = /\$\$\{|\$\{([^}]*)\}?/g
const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

/**
 * Replaces `${NAME}` in every string value of a config (keys are left alone) by that
 * environment variable, so secrets stay out of the file; `$${` is a literal `${`.
 * A missing or empty variable is an issue that names the field and the variable,
 * never a value. Plain objects and arrays are copied, everything else is kept.
 */
export function expandEnvironment(value: unknown, environment: Readonly<Record<string, string | undefined>>): ExpandedConfig {
  const result: ExpandedConfig = { value: undefined, issues: [], substituted: [] }
  result.value = expandValue(value, [], { environment, result })
  return result
}

interface Walk {
  environment: Readonly<Record<string, string | undefined>>
  result: ExpandedConfig
}

function expandValue(value: unknown, path: PropertyKey[], walk: Walk): unknown {
  if (typeof value === 'string') return expandString(value, path, walk)
  if (typeof value !== 'object' || value === null) return value
  if (path.length >= maximumDepth) {
    addIssue(walk.result, path, `nests deeper than ${maximumDepth} levels (a cycle?)`)
    return value
  }
  if (Array.isArray(value)) return value.map((item, index) => expandValue(item, [...path, index], walk))
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, expandValue(child, [...path, key], walk)]))
}

function expandString(text: string, path: PropertyKey[], walk: Walk): string {
  if (!text.includes('$')) return text
  const problems: string[] = []
  const expanded = text.replace(referencePattern, (match, name: string | undefined) => {
    if (match === '$${') return '${'
    if (name === undefined || !match.endsWith('}') || !variableNamePattern.test(name)) {
      problems.push('has a malformed ${...}: write ${NAME} (letters, digits and _), or $${ for a literal ${')
      return match
    }
    const variable = walk.environment[name]
    if (variable === undefined || variable === '') {
      problems.push(`names the environment variable ${name}, which is ${variable === undefined ? 'not set' : 'empty'}`)
      return match
    }
    walk.result.substituted.push(variable)
    return variable
  })
  if (problems.length === 0) return expanded
  addIssue(walk.result, path, [...new Set(problems)].join('; '))
  return text
}

function addIssue(result: ExpandedConfig, path: PropertyKey[], message: string): void {
  result.issues.push({ path, message })
}

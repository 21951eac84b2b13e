/**
 * Expands a dashboard query the way Grafana and the ClickHouse plugin
 * (grafana-clickhouse-datasource v4) do before ClickHouse sees it, in their order:
 *
 * 1. the plugin's frontend `$__conditionalAll(condition, $var)`: `1=1` when the
 *    variable is on All (or empty), else the condition; arguments split on commas
 *    outside parentheses, as the plugin's getMacroArgs does;
 * 2. Grafana's template variables: `${var:singlequote}` (`'a','b'`, quotes escaped
 *    with a backslash), `${var:csv}`, `${var:raw}`, `${var}`, `$var`, `[[var]]`,
 *    and data-link scoped variables such as `${__value.raw}`; All without a custom
 *    all-value means every option;
 * 3. the plugin's backend macros: `$__timeFilter(col)` → `col >= toDateTime(from)
 *    AND col <= toDateTime(to)` (seconds), `$__timeFilter_ms`, `$__dateFilter`,
 *    `$__fromTime`, `$__toTime` (and `_ms`), `$__timeInterval(col)` →
 *    `toStartOfInterval(toDateTime(col), INTERVAL n second)`, `$__timeInterval_ms`,
 *    `$__interval_s`.
 *
 * Anything it does not know is an error, so a dashboard cannot lean on a macro
 * the plugin does not have.
 */
export interface VariableState {
  /** `['$__all']` for All. */
  current: readonly string[]
  /** The values the variable's query offered. */
  options: readonly string[]
}

export interface ExpandOptions {
  from: Date
  to: Date
  intervalSeconds: number
  variables: Readonly<Record<string, VariableState>>
  /** Data-link variables: `__value.raw` ... */
  scoped?: Readonly<Record<string, string>>
}

const all = '$__all'

export function expandGrafanaQuery(sql: string, options: ExpandOptions): string {
  return expandBackendMacros(replaceVariables(applyConditionalAll(sql, options.variables), options), options)
}

function applyConditionalAll(sql: string, variables: Readonly<Record<string, VariableState>>): string {
  const macro = '$__conditionalAll('
  let query = sql
  let index = query.lastIndexOf(macro)
  while (index !== -1) {
    const parsed = macroArguments(query, index + macro.length - 1)
    if (parsed === undefined || parsed.arguments.length !== 2) throw new Error(`$__conditionalAll needs 2 arguments at: ${query.slice(index, index + 80)}`)
    const [condition = '', variableText = ''] = parsed.arguments
    const name = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(variableText.trim())?.[0]
    const variable = name === undefined ? undefined : variables[name]
    if (variable === undefined) throw new Error(`$__conditionalAll names an unknown variable: ${variableText.trim()}`)
    const value = variable.current.join(',')
    const phrase = value === '' || value === all ? '1=1' : condition
    query = query.slice(0, index) + phrase + query.slice(parsed.end)
    index = query.lastIndexOf(macro)
  }
  return query
}

/** Arguments of a macro whose `(` is at `open`, split on commas at depth 1; `end` is just past `)`. */
function macroArguments(text: string, open: number): { arguments: string[]; end: number } | undefined {
  const parts: string[] = []
  let depth = 0
  let start = open + 1
  for (let position = open; position < text.length; position += 1) {
    const character = text[position]
    if (character === '(') depth += 1
    else if (character === ')') {
      depth -= 1
      if (depth === 0) {
        parts.push(text.slice(start, position))
        return { arguments: parts, end: position + 1 }
      }
    } else if (character === ',' && depth === 1) {
      parts.push(text.slice(start, position))
      start = position + 1
    }
  }
  return undefined
}

function replaceVariables(sql: string, options: ExpandOptions): string {
  // Grafana's variable syntaxes: $name, ${name}, ${name:format}, [[name]], [[name:format]].
  const pattern = /\$(\w+)|\[\[(\w+)(?::(\w+))?\]\]|\$\{([\w.]+)(?::([^}]+))?\}/g
  return sql.replace(pattern, (match, plain?: string, bracketName?: string, bracketFormat?: string, braceName?: string, braceFormat?: string) => {
    const name = plain ?? bracketName ?? braceName ?? ''
    const format = bracketFormat ?? braceFormat
    const scoped = options.scoped?.[name]
    if (scoped !== undefined) return format === 'singlequote' ? quote(scoped) : scoped
    const variable = options.variables[name]
    if (variable === undefined) {
      if (name.startsWith('__')) return match // a backend macro, expanded below
      throw new Error(`unknown template variable ${match}`)
    }
    const values = variable.current.length === 1 && variable.current[0] === all ? [...variable.options] : [...variable.current]
    switch (format) {
      case 'singlequote':
        return values.map(quote).join(',')
      case 'doublequote':
        return values.map((value) => `"${value.replace(/"/g, '\\"')}"`).join(',')
      case 'csv':
      case 'raw':
        return values.join(',')
      case undefined:
        if (values.length === 1) return values[0]!
        throw new Error(`${match} has ${values.length} values: give it a format such as \${${name}:singlequote}`)
      default:
        throw new Error(`unsupported variable format in ${match}`)
    }
  })
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "\\'")}'`
}

function expandBackendMacros(sql: string, options: ExpandOptions): string {
  const fromSeconds = Math.floor(options.from.getTime() / 1000)
  const toSeconds = Math.floor(options.to.getTime() / 1000)
  const interval = Math.max(1, Math.floor(options.intervalSeconds))
  const date = (time: Date): string => `toDate('${time.toISOString().slice(0, 10)}')`
  const macros: Record<string, (parameters: string[]) => string> = {
    timeFilter: ([column]) => `${column} >= toDateTime(${fromSeconds}) AND ${column} <= toDateTime(${toSeconds})`,
    timeFilter_ms: ([column]) => `${column} >= fromUnixTimestamp64Milli(${options.from.getTime()}) AND ${column} <= fromUnixTimestamp64Milli(${options.to.getTime()})`,
    dateFilter: ([column]) => `${column} >= ${date(options.from)} AND ${column} <= ${date(options.to)}`,
    fromTime: () => `toDateTime(${fromSeconds})`,
    toTime: () => `toDateTime(${toSeconds})`,
    fromTime_ms: () => `fromUnixTimestamp64Milli(${options.from.getTime()})`,
    toTime_ms: () => `fromUnixTimestamp64Milli(${options.to.getTime()})`,
    timeInterval: ([column]) => `toStartOfInterval(toDateTime(${column}), INTERVAL ${interval} second)`,
    timeInterval_ms: ([column]) => `toStartOfInterval(toDateTime64(${column}, 3), INTERVAL ${interval * 1000} millisecond)`,
    interval_s: () => String(interval),
  }
  const withArguments = new Set(['timeFilter', 'timeFilter_ms', 'dateFilter', 'timeInterval', 'timeInterval_ms'])
  let query = sql
  for (;;) {
    const match = /\$__(\w+)/.exec(query)
    if (match === null) return query
    const name = match[1] ?? ''
    const expand = macros[name]
    if (expand === undefined) throw new Error(`the ClickHouse plugin has no macro $__${name}`)
    let end = match.index + match[0].length
    let parameters: string[] = []
    if (withArguments.has(name)) {
      const parsed = query[end] === '(' ? macroArguments(query, end) : undefined
      if (parsed === undefined || parsed.arguments.length !== 1) throw new Error(`$__${name} needs one argument`)
      parameters = parsed.arguments.map((argument) => argument.trim())
      end = parsed.end
    }
    query = query.slice(0, match.index) + expand(parameters) + query.slice(end)
  }
}

import { z } from 'zod'
import { quoteInput } from '../shared/quote-input.js'
import { ReportRequestError } from './report-request-error.js'

/** The fixed groupings a report offers; a user tag is `tag:<key>`. */
export const fixedDimensionSchema = z.enum(['workflow', 'step', 'provider', 'model', 'route'])
export type FixedDimension = z.infer<typeof fixedDimensionSchema>
export type ReportDimension = FixedDimension | `tag:${string}`

/**
 * The `llm_calls` column behind each fixed grouping. This map is the only way a
 * grouping reaches SQL: a request names a key, never a column. `model` is the
 * model the router asked for (the target's model), not the dated snapshot the
 * provider answered with, so one target stays one row.
 */
const dimensionColumns: Record<FixedDimension, string> = {
  workflow: 'Workflow',
  step: 'Step',
  provider: 'Provider',
  model: 'RequestModel',
  route: 'Route',
}

const tagKeyPattern = /^[A-Za-z0-9_.:-]{1,100}$/
const maxDimensions = 4
/** Four `tag:<key>` groupings of the longest keys, with commas and some spaces. */
const maxListLength = 512

/** A grouping as SQL: an expression over `llm_calls`, and the bound parameters it uses. */
export interface DimensionSql {
  expression: string
  params: Record<string, string>
}

/**
 * Parses `--by workflow,step,tag:tenant` (or a list). Unknown names and odd tag
 * keys are refused with the list of what works; duplicates are dropped.
 */
export function parseReportDimensions(input: string | readonly string[] | undefined, optionLabel = '--by'): ReportDimension[] {
  if (input === undefined) return []
  const dimensions: ReportDimension[] = []
  for (const part of typeof input === 'string' ? [input] : input) {
    if (part.length > maxListLength) {
      throw new ReportRequestError(`${optionLabel} is ${part.length} characters long; ${maxDimensions} groupings are at most ${maxListLength}`, { option: 'by' })
    }
    for (const piece of part.split(',')) {
      const name = piece.trim()
      if (name === '') continue
      const dimension = parseReportDimension(name, optionLabel)
      if (dimensions.includes(dimension)) continue
      // Counted as they come, so a long list stops at the fifth grouping.
      if (dimensions.length === maxDimensions) {
        throw new ReportRequestError(`${optionLabel} takes at most ${maxDimensions} groupings (got more)`, { option: 'by' })
      }
      dimensions.push(dimension)
    }
  }
  return dimensions
}

function parseReportDimension(name: string, optionLabel: string): ReportDimension {
  if (name.startsWith('tag:')) {
    const key = name.slice('tag:'.length)
    if (!tagKeyPattern.test(key)) {
      throw new ReportRequestError(`${optionLabel} tag key ${quoteInput(key)} must be 1 to 100 letters, digits, '_', '.', ':' or '-'`, { option: 'by' })
    }
    return `tag:${key}`
  }
  const parsed = fixedDimensionSchema.safeParse(name)
  if (!parsed.success) {
    throw new ReportRequestError(
      `${optionLabel} accepts ${fixedDimensionSchema.options.join(', ')} or tag:<key> (got ${quoteInput(name)})`,
      { option: 'by' },
    )
  }
  return parsed.data
}

/**
 * The SQL of one grouping. Tag keys travel as bound parameters (`Tags[{tag0:String}]`),
 * never inside the statement text.
 */
export function dimensionSql(dimension: ReportDimension, index: number): DimensionSql {
  if (dimension.startsWith('tag:')) {
    const name = `tag${index}`
    return { expression: `Tags[{${name}:String}]`, params: { [name]: dimension.slice('tag:'.length) } }
  }
  return { expression: dimensionColumns[dimension as FixedDimension], params: {} }
}

/**
 * The `otel_traces` attribute behind each fixed grouping, on a `route {name}` span: a
 * request a budget refused has no model call, so its route span is all there is. It
 * names no provider or model (none was chosen): those groupings read as empty.
 */
const routeSpanColumns: Record<FixedDimension, string> = {
  workflow: "SpanAttributes['gen_ai.workflow.name']",
  step: "SpanAttributes['switchyard.step']",
  provider: "''",
  model: "''",
  route: "SpanAttributes['switchyard.route']",
}

/** The SQL of one grouping over `route {name}` spans in `otel_traces`; tag keys are bound as in dimensionSql. */
export function routeSpanDimensionSql(dimension: ReportDimension, index: number): DimensionSql {
  if (dimension.startsWith('tag:')) {
    const name = `tag${index}`
    return { expression: `SpanAttributes[concat('switchyard.tag.', {${name}:String})]`, params: { [name]: dimension.slice('tag:'.length) } }
  }
  return { expression: routeSpanColumns[dimension as FixedDimension], params: {} }
}

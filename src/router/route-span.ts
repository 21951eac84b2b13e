import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api'
import { isBudgetExceededError } from '../budget/budget-exceeded-error.js'
import { switchyardAttributes } from '../telemetry/attribute-names.js'
import { routeSpanAttributes } from '../telemetry/route-span-attributes.js'
import { tracer, tracerRecords } from '../telemetry/tracer.js'
import { parentContext, type CallScope } from '../telemetry/workflow-context.js'

/**
 * The `route {name}` INTERNAL span above a routed request's attempts. Every function
 * here swallows telemetry failures: a span that cannot be recorded never breaks the call.
 */
export function startRouteSpan(name: string, scope: CallScope): Span | undefined {
  try {
    // Dashboards filter route-level rates (breaker skips) by workflow and step, and reports group refused requests by tag.
    const attributes = tracerRecords() ? routeSpanAttributes(name, scope) : undefined
    return tracer().startSpan(`route ${name}`, { kind: SpanKind.INTERNAL, attributes }, parentContext(scope))
  } catch {
    return undefined
  }
}

export function endRouteSpan(span: Span | undefined, error?: unknown): void {
  if (span === undefined) return
  try {
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
    span.end()
  } catch {
    // Telemetry never breaks the call.
  }
}

/** The budget decision taken before the call (or the block that refused it), on the route span. */
export function recordBudgetEvent(span: Span | undefined, outcome: unknown): void {
  if (span === undefined) return
  try {
    if (isBudgetExceededError(outcome)) {
      span.setAttributes({
        [switchyardAttributes.budgetName]: outcome.budget,
        [switchyardAttributes.budgetAction]: 'block',
      })
      span.addEvent('switchyard.budget.decision', { action: 'block', budget: outcome.budget })
      return
    }
    const decision = outcome as { action?: string; summary?: { name: string; action: string; spentUsd: string; limitUsd: string } }
    if (decision.summary === undefined) return
    span.setAttributes({
      [switchyardAttributes.budgetName]: decision.summary.name,
      [switchyardAttributes.budgetAction]: decision.summary.action,
      [switchyardAttributes.budgetSpentUsd]: decision.summary.spentUsd,
      [switchyardAttributes.budgetLimitUsd]: decision.summary.limitUsd,
    })
    // An allow is in the attributes; a warn or a downgrade is also marked on the span's timeline.
    if (decision.summary.action !== 'allow') span.addEvent('switchyard.budget.decision', { ...decision.summary })
  } catch {
    // Telemetry never breaks the call.
  }
}

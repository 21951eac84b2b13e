import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { switchyardAttributes } from './attribute-names.js'
import { routeSpanAttributes } from './route-span-attributes.js'
import { tracer } from './tracer.js'
import { parentContext, type CallScope } from './workflow-context.js'

/**
 * The record of a call a budget refused before it was made, for a caller without a
 * router (an instrumented SDK client): a `route {name}` INTERNAL span with the budget
 * and `switchyard.budget.action = block`, shaped as the router records its refusals,
 * so reports count both alike. Never throws: telemetry never breaks the call.
 */
export function recordBudgetRefusal(options: { route: string; scope: CallScope; budget: string; message: string }): void {
  try {
    const attributes = routeSpanAttributes(options.route, options.scope)
    attributes[switchyardAttributes.budgetName] = options.budget
    attributes[switchyardAttributes.budgetAction] = 'block'
    const span = tracer().startSpan(`route ${options.route}`, { kind: SpanKind.INTERNAL, attributes }, parentContext(options.scope))
    span.addEvent('switchyard.budget.decision', { action: 'block', budget: options.budget })
    span.setStatus({ code: SpanStatusCode.ERROR, message: options.message })
    span.end()
  } catch {
    // A refusal that cannot be recorded is still a refusal.
  }
}

import { genAi, switchyardAttributes } from './attribute-names.js'
import { addTagAttributes, type CallScope } from './workflow-context.js'

/**
 * The attributes of a `route {name}` span: the route, and the caller's workflow, run,
 * step and tags. A request a budget refuses has no model-call span, so its route span is
 * its only record, and carries what reports and dashboards group refused requests by.
 */
export function routeSpanAttributes(name: string, scope: CallScope): Record<string, string> {
  const attributes: Record<string, string> = { [switchyardAttributes.route]: name }
  if (scope.workflow !== undefined) attributes[genAi.workflowName] = scope.workflow
  if (scope.workflowRunId !== undefined) attributes[switchyardAttributes.workflowRunId] = scope.workflowRunId
  if (scope.step !== undefined) attributes[switchyardAttributes.step] = scope.step
  addTagAttributes(attributes, scope.tags)
  return attributes
}

import type { SpanRow } from './read-run-spans.js'

export type WaterfallKind = 'workflow' | 'step' | 'route' | 'call' | 'other'

/** What a span is on the waterfall, from its kind and name as the router and workflow() write them. */
export function waterfallKindOf(span: SpanRow): WaterfallKind {
  if (span.SpanKind === 'Client' && span.attributes['gen_ai.operation.name'] !== undefined) return 'call'
  if (span.SpanKind !== 'Internal') return 'other'
  if (span.SpanName.startsWith('invoke_workflow ')) return 'workflow'
  if (span.SpanName.startsWith('step ')) return 'step'
  if (span.SpanName.startsWith('route ')) return 'route'
  return 'other'
}

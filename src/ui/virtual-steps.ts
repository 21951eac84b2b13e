import type { SpanRow } from './read-run-spans.js'
import { waterfallKindOf } from './waterfall-kind.js'

/** Span ids of virtual steps start with it; real span ids are hex, so they never collide. */
export const virtualStepIdPrefix = 'virtual-step-'

export interface WithVirtualSteps {
  spans: SpanRow[]
  virtualStepIds: Set<string>
}

/**
 * Steps for a run that has no step spans. Calls through `switchyard gateway` carry
 * their step as `switchyard.step` (from `x-switchyard-step`) but no `step` span
 * exists above them; so each top-level request (a route span, or a call outside a
 * route) is put under a virtual step row named after it, spanning its step's first
 * request's start to its last request's end. A run that has any step span is left
 * as it is: its steps are real. The page says which rows are virtual.
 */
export function addVirtualSteps(spans: readonly SpanRow[]): WithVirtualSteps {
  if (spans.some((span) => waterfallKindOf(span) === 'step')) return { spans: [...spans], virtualStepIds: new Set() }
  const ids = new Set(spans.map((span) => span.SpanId))
  const groups = new Map<string, SpanRow[]>()
  for (const span of spans) {
    const kind = waterfallKindOf(span)
    const step = span.attributes['switchyard.step'] ?? ''
    const isRoot = span.ParentSpanId === '' || !ids.has(span.ParentSpanId)
    if (!isRoot || step === '' || (kind !== 'route' && kind !== 'call')) continue
    groups.set(step, [...(groups.get(step) ?? []), span])
  }
  const parentOf = new Map<string, string>()
  const virtualSteps = [...groups].map(([step, members], index): SpanRow => {
    const id = `${virtualStepIdPrefix}${index + 1}`
    const starts = members.map((member) => BigInt(member.startNs))
    const ends = members.map((member) => BigInt(member.startNs) + BigInt(member.durationNs))
    const startNs = starts.reduce((least, value) => (value < least ? value : least))
    const endNs = ends.reduce((most, value) => (value > most ? value : most))
    for (const member of members) parentOf.set(member.SpanId, id)
    return {
      TraceId: members[0]!.TraceId,
      SpanId: id,
      ParentSpanId: '',
      SpanName: `step ${step}`,
      SpanKind: 'Internal',
      startNs: startNs.toString(),
      durationNs: (endNs - startNs).toString(),
      // Its requests show their own failures; a virtual row has no status of its own.
      StatusCode: 'Unset',
      StatusMessage: '',
      attributes: { 'switchyard.step': step },
      spanCount: 0,
    }
  })
  const reparented = spans.map((span) => {
    const parent = parentOf.get(span.SpanId)
    return parent === undefined ? span : { ...span, ParentSpanId: parent }
  })
  return { spans: [...virtualSteps, ...reparented], virtualStepIds: new Set(virtualSteps.map((span) => span.SpanId)) }
}

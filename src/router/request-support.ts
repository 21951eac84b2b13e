import { checkProviderOptions } from '../providers/merge-provider-options.js'
import type { ProviderRequest, Provider } from '../providers/provider.js'
import { requestImages } from '../providers/request-images.js'
import { UnsupportedRequestError, type UnsupportedField } from '../providers/unsupported-request-error.js'
import type { RouteConfig, RouteTarget } from './router-config.js'
import type { SkippedTarget, TargetSelection } from './select-targets.js'

type RoutedRequest = Omit<ProviderRequest, 'model' | 'signal'>

/** Whether the request asks for anything a target may lack; most do not, and skip the per-target check. */
function asksForFeatures(request: RoutedRequest): boolean {
  if (request.responseFormat !== undefined || request.reasoning !== undefined || request.parallelToolCalls !== undefined) return true
  if (request.api === 'responses' && request.stop !== undefined && request.stop.length > 0) return true
  const images = requestImages(request)
  return images.url || images.data
}

/** The field `target` cannot serve, asked of its provider with the target's model. */
function unsupportedBy(target: RouteTarget, providers: ReadonlyMap<string, Provider>, request: RoutedRequest): UnsupportedField | undefined {
  const provider = providers.get(target.provider)
  return provider?.unsupportedField?.({ model: target.model, ...request })
}

/**
 * Refuses, before any budget is reserved or call made, a request that no target of
 * the route can serve: an UnsupportedRequestError naming the field and every
 * target with its reason. A request that some targets can serve goes on; those
 * that cannot are set aside by `withoutUnsupported`. Pass-through `providerOptions`
 * out of bounds are refused here too (ProviderOptionsError), once, rather than by
 * every target in turn. Returns whether the request asks for anything a target may
 * lack, for `withoutUnsupported`, so the messages are scanned once per request.
 */
export function refuseUnsupportedRoute(route: Pick<RouteConfig, 'targets'>, providers: ReadonlyMap<string, Provider>, request: RoutedRequest): boolean {
  for (const [providerType, options] of Object.entries(request.providerOptions ?? {})) checkProviderOptions(options, providerType)
  const asks = asksForFeatures(request)
  if (!asks || route.targets.length === 0) return asks
  const refusals: { target: RouteTarget; field: UnsupportedField }[] = []
  for (const target of route.targets) {
    const field = unsupportedBy(target, providers, request)
    if (field === undefined) return asks
    refusals.push({ target, field })
  }
  const [first] = refusals
  throw new UnsupportedRequestError({
    field: [...new Set(refusals.map((refusal) => refusal.field.field))].join(', '),
    target: refusals.map((refusal) => `${refusal.target.provider}/${refusal.target.model}`).join(', '),
    reason: refusals.length === 1 && first !== undefined
      ? first.field.reason
      : refusals.map((refusal) => `${refusal.target.provider}/${refusal.target.model}: ${refusal.field.reason}`).join('; '),
  })
}

/**
 * The selection with the targets that cannot serve the request moved from
 * `ordered` to `skipped` (reason `unsupported-request`, the field and why in the
 * detail), so the route falls back to a target that can, as it does past an open
 * breaker, and the route span and a final error list them.
 */
export function withoutUnsupported(selection: TargetSelection, providers: ReadonlyMap<string, Provider>, request: RoutedRequest, asksForFeatures: boolean): TargetSelection {
  if (!asksForFeatures) return selection
  const ordered: RouteTarget[] = []
  const skipped: SkippedTarget[] = [...selection.skipped]
  for (const target of selection.ordered) {
    const field = unsupportedBy(target, providers, request)
    if (field === undefined) ordered.push(target)
    else skipped.push({ target, reason: 'unsupported-request', detail: `cannot serve ${field.field}: ${field.reason}` })
  }
  return { ordered, skipped }
}

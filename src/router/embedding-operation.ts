import { estimateInputTokens } from '../pricing/estimate-input-tokens.js'
import { EmbeddingsUnsupportedError } from '../providers/embeddings-unsupported-error.js'
import { checkProviderOptions } from '../providers/merge-provider-options.js'
import type { EmbeddingProviderRequest, Provider } from '../providers/provider.js'
import type { RoutedOperation } from './routed-operation.js'
import type { RouteConfig, RouteTarget } from './router-config.js'
import type { SkippedTarget, TargetSelection } from './select-targets.js'

/**
 * Routing an embeddings request: a target whose provider has no embeddings API
 * (no `embed`, as Anthropic) is set aside like a target that lacks a feature, and
 * a route with no other target is refused with EmbeddingsUnsupportedError; the
 * reservation counts the estimated input tokens and no output.
 */
export const embeddingOperation: RoutedOperation<EmbeddingProviderRequest> = {
  name: 'embeddings',
  refuseUnsupported: refuseRouteWithoutEmbeddings,
  withoutUnsupported: withoutEmbeddings,
  promptTokens: (request) => estimateInputTokens(request.input),
  maxTokens: () => 0,
  spanRequest: (request) => ({ model: request.model, messages: [] }),
  dimensions: (request) => request.dimensions,
}

function embeds(target: RouteTarget, providers: ReadonlyMap<string, Provider>): boolean {
  return providers.get(target.provider)?.embed !== undefined
}

function refuseRouteWithoutEmbeddings(routeName: string, route: Pick<RouteConfig, 'targets'>, providers: ReadonlyMap<string, Provider>, request: Pick<EmbeddingProviderRequest, 'providerOptions'>): boolean {
  for (const [providerType, options] of Object.entries(request.providerOptions ?? {})) checkProviderOptions(options, providerType)
  const lacking = route.targets.filter((target) => !embeds(target, providers))
  if (lacking.length === 0) return false
  if (lacking.length < route.targets.length) return true
  throw new EmbeddingsUnsupportedError({
    route: routeName,
    targets: lacking.map((target) => ({ provider: target.provider, model: target.model, providerName: providers.get(target.provider)?.providerName ?? target.provider })),
  })
}

function withoutEmbeddings(selection: TargetSelection, providers: ReadonlyMap<string, Provider>, _request: unknown, mayLack: boolean): TargetSelection {
  if (!mayLack) return selection
  const ordered: RouteTarget[] = []
  const skipped: SkippedTarget[] = [...selection.skipped]
  for (const target of selection.ordered) {
    if (embeds(target, providers)) ordered.push(target)
    else skipped.push({ target, reason: 'unsupported-request', detail: `${providers.get(target.provider)?.providerName ?? target.provider} has no embeddings API` })
  }
  return { ordered, skipped }
}

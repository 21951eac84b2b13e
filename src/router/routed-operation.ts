import type { ModelCallRequest } from '../model-call/model-call-request.js'
import type { Provider } from '../providers/provider.js'
import type { ModelCallOperation } from '../telemetry/model-call-span.js'
import type { AbortWatch } from '../shared/abort-watch.js'
import type { RouteConfig } from './router-config.js'
import type { TargetSelection } from './select-targets.js'

/** What every provider request has: the model of the target, and the attempt's signal. */
export interface AttemptRequestBase {
  model: string
  signal?: AbortWatch
}

/** A routed request as the adapters take it, before a target gives it a model and an attempt a signal. */
export type RoutedBase<Request extends AttemptRequestBase> = Omit<Request, 'model' | 'signal'>

/** The routing fields every router request has beside what goes to the adapter. */
export interface RoutingFields {
  route?: string
  model?: string
  signal?: AbortSignal
  tags?: Record<string, string>
}

/**
 * What differs between routing a chat request and an embeddings request; the rest
 * (route, budget, target order, retries, fallbacks, spans, settling) is
 * RoutedCall's, the same for both. Each operation is one module-level object, so
 * a request makes no closures for it.
 */
export interface RoutedOperation<Request extends AttemptRequestBase> {
  readonly name: ModelCallOperation
  /**
   * Refuses, before any reservation or call, a request that no target of the route
   * can serve. Returns whether some target may not serve it, so that
   * `withoutUnsupported` checks them one by one.
   */
  refuseUnsupported(routeName: string, route: Pick<RouteConfig, 'targets'>, providers: ReadonlyMap<string, Provider>, request: RoutedBase<Request>): boolean
  /** The selection with the targets that cannot serve the request moved to `skipped`. */
  withoutUnsupported(selection: TargetSelection, providers: ReadonlyMap<string, Provider>, request: RoutedBase<Request>, mayLack: boolean): TargetSelection
  /** Input tokens, estimated before the call: the reservation, the context check and the cost order read it. */
  promptTokens(request: RoutedBase<Request>): number
  /** The output limit: the request's own for chat, 0 for embeddings (nothing comes out but vectors). */
  maxTokens(request: RoutedBase<Request>): number | undefined
  /** The request as the span records it (model, sampling, messages when captured). */
  spanRequest(request: Request): ModelCallRequest
  /** The vector size asked for, on an embeddings span. */
  dimensions(request: Request): number | undefined
}

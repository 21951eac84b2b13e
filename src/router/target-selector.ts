import { fitsContextWindow } from './context-window.js'
import type { RoutePricing, SelectionRequest } from './route-pricing.js'
import type { RouteResolver } from './route-resolver.js'
import type { RouteConfig, RouteTarget } from './router-config.js'
import { selectTargets, type TargetSelection } from './select-targets.js'
import type { TargetHealth } from './target-health.js'

export interface TargetSelectorOptions {
  health: TargetHealth
  routes: RouteResolver
  pricing: RoutePricing
  random: () => number
}

/**
 * Target selection with what it reads bound once per router: breakers (per route),
 * latency, context windows and cost estimates, so a request makes no closures for it.
 */
export class TargetSelector {
  readonly #health: TargetHealth
  readonly #routes: RouteResolver
  readonly #pricing: RoutePricing
  readonly #random: () => number

  constructor(options: TargetSelectorOptions) {
    this.#health = options.health
    this.#routes = options.routes
    this.#pricing = options.pricing
    this.#random = options.random
  }

  select(route: RouteConfig, request: SelectionRequest, stream: boolean): TargetSelection {
    return selectTargets<SelectionRequest>({
      route,
      request,
      stream,
      breakerFor: this.#routes.breakerLookupFor(route),
      latencyFor: this.#latencyFor,
      fitsContext,
      estimateCost: this.#pricing.estimateCost,
      random: this.#random,
    })
  }

  readonly #latencyFor = (target: RouteTarget) => this.#health.latency(target).snapshot()
}

function fitsContext(target: RouteTarget, candidate: SelectionRequest) {
  return fitsContextWindow({ model: target.model, contextWindow: target.contextWindow, promptTokens: candidate.promptTokens, maxTokens: candidate.maxTokens })
}

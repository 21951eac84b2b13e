import type { ChatRequest } from './chat-request.js'
import { RetryBudget } from './retry-budget.js'
import { routeConfigSchema, type RouteConfig, type RouteTarget, type RouterConfig } from './router-config.js'
import { UnknownRouteError } from './router-errors.js'
import type { BreakerView } from './select-targets.js'
import type { TargetHealth } from './target-health.js'

const modelRouteCacheLimit = 256

export interface RouteResolverOptions {
  config: RouterConfig
  health: TargetHealth
  now: () => number
}

/**
 * What a router knows of its routes across requests: the route a request names (a
 * configured one, or a one-target route for `provider/model`, cached), its retry
 * budget and its breaker lookup. All of it is made once per route, not per request.
 */
export class RouteResolver {
  readonly #config: RouterConfig
  readonly #health: TargetHealth
  readonly #now: () => number
  readonly #modelRoutes = new Map<string, RouteConfig>()
  readonly #retryBudgets = new Map<string, RetryBudget>()
  readonly #breakerLookups = new WeakMap<RouteConfig, (target: RouteTarget) => BreakerView>()

  constructor(options: RouteResolverOptions) {
    this.#config = options.config
    this.#health = options.health
    this.#now = options.now
  }

  resolve(request: Pick<ChatRequest, 'route' | 'model'>): { name: string; route: RouteConfig } {
    const config = this.#config
    if (request.route !== undefined) {
      const route = config.routes[request.route]
      if (route === undefined) throw new UnknownRouteError(`unknown route "${request.route}" (configured routes: ${Object.keys(config.routes).join(', ') || 'none'})`)
      return { name: request.route, route }
    }
    if (request.model === undefined) throw new UnknownRouteError('a request needs `route` (a configured route) or `model` (as provider/model)')
    const cached = this.#modelRoutes.get(request.model)
    if (cached !== undefined) return { name: request.model, route: cached }
    const slash = request.model.indexOf('/')
    const providerName = slash > 0 ? request.model.slice(0, slash) : undefined
    if (providerName === undefined || config.providers[providerName] === undefined) {
      throw new UnknownRouteError(`model "${request.model}" names no configured provider: write it as provider/model (providers: ${Object.keys(config.providers).join(', ')}) or use a route`)
    }
    const route = routeConfigSchema.parse({ targets: [{ provider: providerName, model: request.model.slice(slash + 1) }] })
    if (this.#modelRoutes.size >= modelRouteCacheLimit) this.#modelRoutes.delete(this.#modelRoutes.keys().next().value!)
    this.#modelRoutes.set(request.model, route)
    return { name: request.model, route }
  }

  /** The configured route a budget downgrades to, if there is one. */
  configured(name: string): RouteConfig | undefined {
    return this.#config.routes[name]
  }

  retryBudgetFor(name: string, route: RouteConfig): RetryBudget {
    let budget = this.#retryBudgets.get(name)
    if (budget === undefined) {
      budget = new RetryBudget({ ratio: route.retry.budgetRatio, minimumPerSecond: route.retry.minimumRetriesPerSecond, windowMs: route.retry.budgetWindowMs, now: this.#now })
      if (this.#retryBudgets.size < modelRouteCacheLimit + Object.keys(this.#config.routes).length) this.#retryBudgets.set(name, budget)
    }
    return budget
  }

  /** Target selection's breaker lookup for a route: one function per route, not per request. */
  breakerLookupFor(route: RouteConfig): (target: RouteTarget) => BreakerView {
    let lookup = this.#breakerLookups.get(route)
    if (lookup === undefined) {
      const health = this.#health
      lookup = (target) => health.breaker(target, route.breaker)
      this.#breakerLookups.set(route, lookup)
    }
    return lookup
  }
}

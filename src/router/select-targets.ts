import type { CircuitBreaker } from './circuit-breaker.js'
import type { LatencySnapshot } from './latency-tracker.js'
import { orderByCost } from './order-by-cost.js'
import { orderByLatency } from './order-by-latency.js'
import { orderByWeight } from './order-by-weight.js'
import type { RouteConfig, RouteTarget } from './router-config.js'

/** The part of a circuit breaker that selection reads; it never takes the probe slot. */
export type BreakerView = Pick<CircuitBreaker, 'state' | 'openReason' | 'wouldAllowRequest' | 'remainingCooldownMs'>

export interface ContextFit {
  fits: boolean
  /** Why not, in words, e.g. "needs ~210000 tokens, the model takes 128000". */
  reason?: string
}

/** `unsupported-request`: the request asks for a field the target cannot serve (see request-support.ts). */
export type SkipReason = 'context-too-small' | 'breaker-open' | 'breaker-probe-in-flight' | 'unsupported-request'

export interface SkippedTarget {
  target: RouteTarget
  reason: SkipReason
  /** The reason in words, for the error a caller sees when nothing is left to try. */
  detail: string
}

export interface TargetSelection {
  /** Targets to try, in order: the first call goes to ordered[0], fallbacks follow. */
  ordered: RouteTarget[]
  skipped: SkippedTarget[]
}

export interface SelectTargetsOptions<RequestShape> {
  route: Pick<RouteConfig, 'strategy' | 'targets'>
  request: RequestShape
  /** A streaming request is ranked by time to first token, a whole call by its latency. */
  stream: boolean
  breakerFor: (target: RouteTarget) => BreakerView | undefined
  latencyFor: (target: RouteTarget) => LatencySnapshot | undefined
  fitsContext: (target: RouteTarget, request: RequestShape) => ContextFit
  /** Estimated cost in integer money units; undefined when unknown. Read by the cost strategy only. */
  estimateCost: (target: RouteTarget, request: RequestShape) => bigint | undefined
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number
  /** Share of latency-route picks spent measuring a target other than the fastest. Default 0.05. */
  probeShare?: number
}

/**
 * Which targets of a route to try for one request, and in what order. Targets
 * the request does not fit, and targets whose breaker is open or busy probing,
 * are set aside with the reason; the rest are ordered by the route's strategy:
 * `fallback` in config order, `weighted` by a weighted draw, `latency` fastest
 * first with a probing share, `cost` cheapest estimate first. Breakers are only
 * read here: the caller asks `allowRequest()` right before each call, since a
 * breaker may change between selection and the call, and taking a half-open
 * probe slot for a target that is never called would block it until the probe
 * times out.
 */
export function selectTargets<RequestShape>(options: SelectTargetsOptions<RequestShape>): TargetSelection {
  const { route, request } = options
  const available: RouteTarget[] = []
  const skipped: SkippedTarget[] = []
  for (const target of route.targets) {
    const skip = skipReason(target, options)
    if (skip === undefined) available.push(target)
    else skipped.push(skip)
  }
  return { ordered: orderTargets(available, options, request), skipped }
}

function skipReason<RequestShape>(
  target: RouteTarget,
  options: SelectTargetsOptions<RequestShape>,
): SkippedTarget | undefined {
  const fit = options.fitsContext(target, options.request)
  if (!fit.fits) {
    return {
      target,
      reason: 'context-too-small',
      detail: fit.reason ?? `the request does not fit the context window of ${target.model}`,
    }
  }
  const breaker = options.breakerFor(target)
  if (breaker === undefined || breaker.wouldAllowRequest()) return undefined
  if (breaker.state === 'half-open') {
    return { target, reason: 'breaker-probe-in-flight', detail: 'circuit half-open, a probe call is in flight' }
  }
  const why = breaker.openReason === undefined ? '' : ` after ${breaker.openReason.replaceAll('-', ' ')}`
  return {
    target,
    reason: 'breaker-open',
    detail: `circuit open${why}, next probe in ${Math.ceil(breaker.remainingCooldownMs())} ms`,
  }
}

function orderTargets<RequestShape>(
  targets: RouteTarget[],
  options: SelectTargetsOptions<RequestShape>,
  request: RequestShape,
): RouteTarget[] {
  switch (options.route.strategy) {
    case 'fallback':
      return targets
    case 'weighted':
      return orderByWeight(targets, options.random)
    case 'latency':
      return orderByLatency({
        targets,
        probeShare: options.probeShare ?? 0.05,
        random: options.random,
        averageMsOf: (target) => {
          const snapshot = options.latencyFor(target)
          return (options.stream ? snapshot?.timeToFirstToken : snapshot?.latency)?.averageMs
        },
      })
    case 'cost':
      return orderByCost(targets, (target) => options.estimateCost(target, request))
  }
}

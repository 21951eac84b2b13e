import type { RouterConfig } from '../router/router-config.js'
import { GatewayError } from './gateway-error.js'
import type { TargetFormat } from './wire-format.js'

/** A client's `model` resolved against the config: a route or one `provider/model` target. */
export interface ResolvedModel {
  /** Set when `model` names a configured route. */
  route?: string
  /** Set when `model` is `provider/model` with a configured provider. */
  model?: string
  targets: Array<{ provider: string; model: string }>
  formats: ReadonlySet<TargetFormat>
}

/**
 * What a client's `model` names: a configured route first (route names may contain
 * `/`), else `provider/model` with a configured provider. Anything else is a 404 naming
 * it, before any work; the formats of the targets decide what a format may pass through.
 */
export function resolveModel(config: RouterConfig, requested: string): ResolvedModel {
  const route = Object.hasOwn(config.routes, requested) ? config.routes[requested] : undefined
  if (route !== undefined) {
    const targets = route.targets.map((target) => ({ provider: target.provider, model: target.model }))
    return { route: requested, targets, formats: formatsOf(config, targets) }
  }
  const slash = requested.indexOf('/')
  const provider = slash > 0 ? requested.slice(0, slash) : ''
  const model = requested.slice(slash + 1)
  if (slash <= 0 || model === '' || !Object.hasOwn(config.providers, provider)) {
    throw new GatewayError({
      status: 404,
      code: 'model_not_found',
      message: `model ${JSON.stringify(requested.slice(0, 256))} is neither a configured route nor provider/model with a configured provider`,
      param: 'model',
    })
  }
  const targets = [{ provider, model }]
  return { model: requested, targets, formats: formatsOf(config, targets) }
}

function formatsOf(config: RouterConfig, targets: ReadonlyArray<{ provider: string }>): ReadonlySet<TargetFormat> {
  return new Set(targets.map((target) => config.providers[target.provider]!.type))
}

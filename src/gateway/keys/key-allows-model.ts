import type { VirtualKeyConfig } from '../../config/gateway-config.js'

/**
 * Whether a key may call `model` (a route name or `provider/model`, as a request
 * names it): an exact entry of the key's `routes`, or anything when the key has no
 * list. No patterns or prefixes, so what a key may reach is exactly what is written.
 */
export function keyAllowsModel(entry: Pick<VirtualKeyConfig, 'routes'>, model: string): boolean {
  return entry.routes === undefined || entry.routes.includes(model)
}

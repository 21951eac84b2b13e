import type { VirtualKeyConfig } from '../config/gateway-config.js'
import type { RouterConfig } from '../router/router-config.js'
import { keyAllowsModel } from './keys/key-allows-model.js'

/**
 * `GET /v1/models` in OpenAI's list shape: every configured route, then every
 * `provider/model` target of a route, then any `provider/model` a key lists by name,
 * each only when the caller's key may use it. `owned_by` says which it is.
 */
export function listModels(config: RouterConfig, key: VirtualKeyConfig | undefined): { object: 'list'; data: unknown[] } {
  const ids = new Map<string, string>()
  for (const route of Object.keys(config.routes)) ids.set(route, 'switchyard-route')
  for (const route of Object.values(config.routes)) {
    for (const target of route.targets) {
      const id = `${target.provider}/${target.model}`
      if (!ids.has(id)) ids.set(id, target.provider)
    }
  }
  for (const listed of key?.routes ?? []) {
    const slash = listed.indexOf('/')
    if (!ids.has(listed) && slash > 0 && Object.hasOwn(config.providers, listed.slice(0, slash))) ids.set(listed, listed.slice(0, slash))
  }
  const data = [...ids]
    .filter(([id]) => key === undefined || keyAllowsModel(key, id))
    .map(([id, owner]) => ({ id, object: 'model', created: 0, owned_by: owner }))
  return { object: 'list', data }
}

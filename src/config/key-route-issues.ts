import type { RawConfigIssue } from './zod-config-issues.js'

/**
 * Each `gateway.keys[i].routes[j]` must be a configured route's name, or
 * `provider/model` with a configured provider, so a typo cannot quietly lock a key
 * out of everything. Read from the unvalidated input, so these issues are found in
 * the same pass as a broken provider or route elsewhere.
 */
export function keyRouteIssues(input: Readonly<Record<string, unknown>>): RawConfigIssue[] {
  const keys = isRecord(input.gateway) ? input.gateway.keys : undefined
  if (!Array.isArray(keys) || !isRecord(input.providers)) return []
  const providers = input.providers
  const routes = isRecord(input.routes) ? input.routes : {}
  const issues: RawConfigIssue[] = []
  keys.forEach((key: unknown, keyIndex) => {
    if (!isRecord(key) || !Array.isArray(key.routes)) return
    key.routes.forEach((route: unknown, routeIndex) => {
      if (typeof route !== 'string' || Object.hasOwn(routes, route)) return
      const message = unknownRouteMessage(route, providers)
      if (message !== undefined) issues.push({ path: ['gateway', 'keys', keyIndex, 'routes', routeIndex], message })
    })
  })
  return issues
}

function unknownRouteMessage(route: string, providers: Readonly<Record<string, unknown>>): string | undefined {
  const slash = route.indexOf('/')
  if (slash > 0 && slash < route.length - 1) {
    const provider = route.slice(0, slash)
    if (Object.hasOwn(providers, provider)) return undefined
    return `names provider "${provider}", which is not configured (configured: ${Object.keys(providers).join(', ')})`
  }
  return `"${route}" is neither a configured route nor "<provider>/<model>"`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

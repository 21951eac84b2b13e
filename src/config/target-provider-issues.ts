import type { RawConfigIssue } from './zod-config-issues.js'

/**
 * Each route target's `provider` must be configured. The router's schema checks this
 * too, but only once every other field of the router's part is valid (zod runs a
 * whole-object check last); this reads the unvalidated input, so a misspelt provider
 * is reported in the same pass as, say, a bad budget.
 */
export function targetProviderIssues(input: Readonly<Record<string, unknown>>): RawConfigIssue[] {
  if (!isRecord(input.providers) || !isRecord(input.routes)) return []
  const providers = input.providers
  const configured = Object.keys(providers).join(', ')
  const issues: RawConfigIssue[] = []
  for (const [routeName, route] of Object.entries(input.routes)) {
    if (!isRecord(route) || !Array.isArray(route.targets)) continue
    route.targets.forEach((target: unknown, index) => {
      if (!isRecord(target) || typeof target.provider !== 'string' || Object.hasOwn(providers, target.provider)) return
      issues.push({
        path: ['routes', routeName, 'targets', index, 'provider'],
        message: `names provider "${target.provider}", which is not configured (configured: ${configured})`,
      })
    })
  }
  return issues
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

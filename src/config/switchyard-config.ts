import { routerConfigSchema, type RouterConfig } from '../router/router-config.js'
import { configSecrets } from '../router/config-secrets.js'
import { gatewayConfigSchema, type GatewayConfig } from './gateway-config.js'
import { keyRouteIssues } from './key-route-issues.js'
import { sharedConfigSchema, type SharedConfig } from './shared-config.js'
import { switchyardConfigError } from './switchyard-config-error.js'
import { targetProviderIssues } from './target-provider-issues.js'
import { zodConfigIssues, type RawConfigIssue } from './zod-config-issues.js'

/**
 * The whole config file: what `createRouter` takes, plus the gateway's part and the
 * optional shared store. Pass it to createRouter through `routerConfigOf`.
 */
export type SwitchyardConfig = RouterConfig & { gateway: GatewayConfig; shared?: SharedConfig }

export interface ParseSwitchyardConfigOptions {
  /** Where the config came from (a file name), named in the error. */
  source?: string
}

/**
 * Validates a config object and fills in its defaults, or throws a ConfigError
 * naming every bad field by its dotted path (`routes.smart.targets.0.provider`,
 * `gateway.keys.0.routes.1`). The router's part is checked with the router's own
 * schema, so what passes here passes createRouter. Messages never carry the
 * config's credentials.
 */
export function parseSwitchyardConfig(input: unknown, options: ParseSwitchyardConfigOptions = {}): SwitchyardConfig {
  const { config, issues } = checkSwitchyardConfig(input)
  if (config !== undefined) return config
  throw switchyardConfigError({ source: options.source, issues, secrets: switchyardConfigSecrets(input) })
}

/** The router's credentials in a raw config, plus the password of its `shared.url`. */
export function switchyardConfigSecrets(input: unknown): string[] {
  const secrets = configSecrets(input)
  const shared = typeof input === 'object' && input !== null ? (input as { shared?: unknown }).shared : undefined
  const url = typeof shared === 'object' && shared !== null ? (shared as { url?: unknown }).url : undefined
  if (typeof url === 'string') secrets.push(...urlPassword(url))
  return secrets
}

function urlPassword(text: string): string[] {
  try {
    const url = new URL(text)
    return url.password === '' ? [] : [url.password, decodeURIComponent(url.password)]
  } catch {
    return []
  }
}

/** What checking a config found: the config when it is valid, and every issue. */
export interface SwitchyardConfigCheck {
  config: SwitchyardConfig | undefined
  issues: RawConfigIssue[]
}

/**
 * Validates a whole config in one pass: the router's part with the router's own
 * schema (the one createRouter uses), `gateway` and `shared` with theirs, then each
 * key's `routes` against the configured routes and providers. Every issue is
 * collected, whichever part it is in, so a user fixes a file in one go.
 */
export function checkSwitchyardConfig(input: unknown): SwitchyardConfigCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { config: undefined, issues: [{ path: [], message: 'must be an object with providers, routes, budgets, gateway, ...' }] }
  }
  const { gateway, shared, ...router } = input as Record<string, unknown>
  const routerResult = routerConfigSchema.safeParse(router)
  const gatewayResult = gatewayConfigSchema.safeParse(gateway ?? {})
  const sharedResult = shared === undefined ? undefined : sharedConfigSchema.safeParse(shared)
  const routerIssues = routerResult.success ? [] : withTargetProviders(zodConfigIssues(routerResult.error.issues).map(describeTopLevel), router)
  const issues = [
    ...routerIssues,
    ...(gatewayResult.success ? [] : zodConfigIssues(gatewayResult.error.issues, ['gateway'])),
    ...(sharedResult === undefined || sharedResult.success ? [] : zodConfigIssues(sharedResult.error.issues, ['shared'])),
    ...keyRouteIssues(input as Record<string, unknown>),
  ]
  if (issues.length > 0 || !routerResult.success || !gatewayResult.success) return { config: undefined, issues }
  const config: SwitchyardConfig = { ...routerResult.data, gateway: gatewayResult.data }
  if (sharedResult?.success) config.shared = sharedResult.data
  return { config, issues }
}

/** The router's own issues, plus unconfigured target providers its schema did not get as far as checking. */
function withTargetProviders(issues: RawConfigIssue[], router: Record<string, unknown>): RawConfigIssue[] {
  const reported = new Set(issues.map((issue) => JSON.stringify(issue.path)))
  return [...issues, ...targetProviderIssues(router).filter((issue) => !reported.has(JSON.stringify(issue.path)))]
}

const topLevelFields = [...Object.keys(routerConfigSchema.shape), 'gateway', 'shared'].join(', ')

function describeTopLevel(issue: RawConfigIssue): RawConfigIssue {
  if (issue.path.length !== 1 || !issue.message.startsWith('unknown field')) return issue
  return { path: issue.path, message: `unknown field; a config's fields are ${topLevelFields}` }
}

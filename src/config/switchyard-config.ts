import { configSecrets } from '../router/config-secrets.js'
import type { RouterConfig } from '../router/router-config.js'
import { checkSwitchyardConfig } from './check-switchyard-config.js'
import type { GatewayConfig } from './gateway-config.js'
import type { SharedConfig } from './shared-config.js'
import { switchyardConfigError } from './switchyard-config-error.js'

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

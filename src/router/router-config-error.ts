import { ConfigError, configIssuesMessage, type ConfigIssue } from '../errors/config-error.js'

/** One bad field: where it is (`routes.smart.targets[1].provider`) and what is wrong with it. */
export type RouterConfigIssue = ConfigIssue

/**
 * The config given to `createRouter` cannot work. `issues` lists every bad field
 * at once, so a user fixes them in one pass; the message repeats them, one per
 * line. Neither ever contains an API key or other credential from the config.
 */
export class RouterConfigError extends ConfigError {
  constructor(issues: readonly RouterConfigIssue[]) {
    super({ message: configIssuesMessage('router config', issues), issues })
  }
}

export function isRouterConfigError(value: unknown): value is RouterConfigError {
  return RouterConfigError.isInstance(value)
}

/** One bad field: where it is (`routes.smart.targets[1].provider`) and what is wrong with it. */
export interface RouterConfigIssue {
  path: string
  message: string
}

/**
 * The config given to `createRouter` cannot work. `issues` lists every bad field
 * at once, so a user fixes them in one pass; the message repeats them, one per
 * line. Neither ever contains an API key or other credential from the config.
 */
export class RouterConfigError extends Error {
  override readonly name = 'RouterConfigError'
  readonly code = 'SWITCHYARD_ROUTER_CONFIG'
  readonly issues: readonly RouterConfigIssue[]

  constructor(issues: readonly RouterConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`)
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`
    super(`Invalid switchyard router config (${count}); fix these fields:\n${lines.join('\n')}`)
    this.issues = issues
  }
}

export function isRouterConfigError(value: unknown): value is RouterConfigError {
  return value instanceof RouterConfigError
}

import { SwitchyardError } from './switchyard-error.js'

/** One bad field: where it is (`routes.smart.targets[1].provider`) and what is wrong with it. */
export interface ConfigIssue {
  path: string
  message: string
}

export interface ConfigErrorOptions {
  message: string
  /** Every bad field found, by path; empty when the problem is not one field's. */
  issues?: readonly ConfigIssue[]
  cause?: unknown
}

/**
 * A config or option that cannot work (router, budgets, a provider, prices, the
 * store, the collector); code `config_invalid`. `issues` names each bad field by
 * path, so a user fixes them in one pass.
 */
export class ConfigError extends SwitchyardError {
  declare readonly code: 'config_invalid'
  readonly issues: readonly ConfigIssue[]

  constructor(options: ConfigErrorOptions) {
    super({ code: 'config_invalid', message: options.message, cause: options.cause })
    this.issues = options.issues ?? []
  }
}

/** The message of a config error that lists its issues, one per line. */
export function configIssuesMessage(subject: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`)
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`
  return `Invalid switchyard ${subject} (${count}); fix these fields:\n${lines.join('\n')}`
}

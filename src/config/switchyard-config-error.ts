import { ConfigError, configIssuesMessage } from '../errors/config-error.js'
import { redactSecrets } from '../providers/redact-secrets.js'
import { configIssuePath } from './config-issue-path.js'
import type { RawConfigIssue } from './zod-config-issues.js'

export interface SwitchyardConfigErrorOptions {
  /** The file the config came from, named in the message. */
  source?: string
  issues: readonly RawConfigIssue[]
  /** Credentials and substituted `${NAME}` values that must not reach the message. */
  secrets: readonly string[]
}

/**
 * The ConfigError of a whole config: every issue by its dotted path, scrubbed of the
 * config's credentials and of every value an environment variable put in, so that
 * logging the error never prints a secret. No zod error rides along as the cause.
 */
export function switchyardConfigError(options: SwitchyardConfigErrorOptions): ConfigError {
  const secrets = [...new Set(options.secrets)].sort((left, right) => right.length - left.length)
  const issues = options.issues.map((issue) => ({
    path: redactSecrets(configIssuePath(issue.path), secrets),
    message: redactSecrets(issue.message, secrets),
  }))
  const subject = options.source === undefined ? 'config' : `config ${options.source}`
  return new ConfigError({ message: configIssuesMessage(subject, issues), issues })
}

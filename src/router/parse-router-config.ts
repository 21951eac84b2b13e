import type { z } from 'zod'
import { redactSecrets } from '../providers/redact-secrets.js'
import { configPath } from './config-path.js'
import { configSecrets } from './config-secrets.js'
import { RouterConfigError, type RouterConfigIssue } from './router-config-error.js'
import { routerConfigSchema, type RouterConfig } from './router-config.js'

/**
 * Validates a router config and fills in its defaults, or throws a
 * RouterConfigError naming every bad field by its dotted path. Messages are
 * scrubbed of the config's own credentials, and the zod error is not attached
 * as the cause, so logging the error can never print an API key.
 */
export function parseRouterConfig(input: unknown): RouterConfig {
  const result = routerConfigSchema.safeParse(input)
  if (result.success) return result.data
  const secrets = configSecrets(input)
  throw new RouterConfigError(
    result.error.issues.map((issue) => {
      const { path, message } = describeIssue(issue)
      return { path: redactSecrets(path, secrets), message: redactSecrets(message, secrets) }
    }),
  )
}

function describeIssue(issue: z.core.$ZodIssue): RouterConfigIssue {
  // zod reports a bad record key as "Invalid key in record" and keeps the reason
  // (say, a provider name with a space) one level down; bring it up.
  const message =
    issue.code === 'invalid_key' && issue.issues.length > 0
      ? `invalid name: ${issue.issues.map((inner) => inner.message).join('; ')}`
      : issue.message
  return { path: configPath(issue.path), message }
}

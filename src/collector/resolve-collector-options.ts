import { z } from 'zod'
import { CollectorConfigError } from './collector-config-error.js'
import { collectorOptionsSchema, type CollectorOptions, type ResolvedCollectorOptions } from './collector-options.js'

/**
 * The collector's options with their defaults, or a CollectorConfigError that names
 * each bad field: checked before anything is opened, by `startCollector` and by
 * `openCollectorPipeline` alike (resolved options pass through unchanged).
 */
export function resolveCollectorOptions(input: CollectorOptions): ResolvedCollectorOptions {
  const parsed = collectorOptionsSchema.safeParse(input)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || 'options', message: issue.message }))
    throw new CollectorConfigError(`invalid collector options: ${z.prettifyError(parsed.error)}`, { issues })
  }
  return parsed.data
}

import type { z } from 'zod'

/** A bad field found while checking a config, its path still as segments. */
export interface RawConfigIssue {
  path: PropertyKey[]
  message: string
}

/**
 * A zod error's issues as config issues under `prefix` (`['gateway']`), one per bad
 * field. An unknown key becomes an issue at that key's own path, so a misspelt
 * `gatway` or `retry.attemps` is pointed at rather than reported on its parent.
 */
export function zodConfigIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): RawConfigIssue[] {
  const result: RawConfigIssue[] = []
  for (const issue of issues) {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) result.push({ path: [...path, key], message: 'unknown field; check its spelling and where it sits' })
    } else {
      result.push({ path, message: issueMessage(issue) })
    }
  }
  return result
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // zod reports a bad record key as "Invalid key in record" and keeps the reason one level down.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) return `invalid name: ${issue.issues.map((inner) => inner.message).join('; ')}`
  return issue.message
}

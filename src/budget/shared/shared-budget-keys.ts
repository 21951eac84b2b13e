/**
 * The four Redis keys of one budget, in the order the budget script takes them:
 * `<prefix><name>:entries`, `:leases`, `:seen`, `:totals` (default prefix
 * `switchyard:budget:`). Budget names are bounded by the config schema.
 */
export function sharedBudgetKeys(prefix: string, name: string): string[] {
  const base = `${prefix}${name}:`
  return [`${base}entries`, `${base}leases`, `${base}seen`, `${base}totals`]
}

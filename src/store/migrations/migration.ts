/**
 * A numbered, append-only schema change. Statements are idempotent (`IF NOT EXISTS`)
 * so a migration interrupted half-way is simply run again. Never edit a released
 * migration: add the next number.
 */
export interface Migration {
  version: number
  name: string
  statements: readonly string[]
}

/**
 * What a budget looks at to decide whether it counts a call: the workflow and step
 * the call is made from, the provider (`gen_ai.provider.name`, as on the span) and the
 * requested model, and the user's reporting tags. A field the caller does not know
 * yet (the provider before a target is picked) is left out and matches only `*`.
 */
export interface BudgetScope {
  workflow?: string
  step?: string
  provider?: string
  model?: string
  tags?: Readonly<Record<string, string>>
}

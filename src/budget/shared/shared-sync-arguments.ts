import { sharedBudgetKeys } from './shared-budget-keys.js'

/** One call of this process in one budget, as Redis should hold it. */
export interface SharedEntry {
  /** `r`: reserved (in flight); `u`: finished, waiting for a scan to see it. */
  kind: 'r' | 'u'
  nano: number
  /** False while its reserve is on the way: a sync must not register what the script has not admitted. */
  admitted: boolean
}

/** pico-USD to the nano-USD Redis counts in, rounded up: a call is never counted for less than it costs. */
export function nanoOf(units: bigint): number {
  return Number((units + 999n) / 1_000n)
}

export function picoOf(nano: number): bigint {
  return BigInt(Math.max(0, Math.trunc(nano))) * 1_000n
}

export interface SharedSyncPlan {
  keys(prefix: string): string[]
  args: string[]
  /** The sync succeeded: forget the deletes and seen marks it carried (ones added since stay). */
  sent(): void
}

/**
 * The arguments of one `sync` of the budget script: per budget the figure time, the
 * entries to upsert (every admitted live entry, or only the `dirty` ones), and the
 * pending deletes and seen marks.
 */
export function sharedSyncArguments(options: {
  budgets: readonly string[]
  live: ReadonlyMap<string, ReadonlyMap<string, SharedEntry>>
  dirty: ReadonlyMap<string, ReadonlySet<string>> | undefined
  deletes: Map<string, Set<string>>
  seen: Map<string, Map<string, number>>
  figureAtMs: (budget: string) => number
}): SharedSyncPlan {
  const args: string[] = []
  const carried: Array<{ budget: string; deletes: string[]; seen: string[] }> = []
  for (const budget of options.budgets) {
    const live = options.live.get(budget)
    const upserts: string[] = []
    const ids = options.dirty === undefined ? live?.keys() : options.dirty.get(budget)?.values()
    for (const id of ids ?? []) {
      const entry = live?.get(id)
      if (entry === undefined || !entry.admitted) continue
      upserts.push(id, entry.kind, String(entry.nano))
    }
    const deletes = [...(options.deletes.get(budget) ?? [])]
    const seenEntries = [...(options.seen.get(budget) ?? [])]
    args.push(String(options.figureAtMs(budget)), String(upserts.length / 3), ...upserts, String(deletes.length), ...deletes, String(seenEntries.length))
    for (const [id, seenAtMs] of seenEntries) args.push(id, String(seenAtMs))
    carried.push({ budget, deletes, seen: seenEntries.map(([id]) => id) })
  }
  return {
    args,
    keys: (prefix) => options.budgets.flatMap((budget) => sharedBudgetKeys(prefix, budget)),
    sent() {
      for (const { budget, deletes, seen } of carried) {
        const pendingDeletes = options.deletes.get(budget)
        for (const id of deletes) pendingDeletes?.delete(id)
        const pendingSeen = options.seen.get(budget)
        for (const id of seen) pendingSeen?.delete(id)
      }
    },
  }
}

/**
 * The most changed entries of one budget that one sync carries. A sync runs as one
 * script, and Redis runs nothing else meanwhile: a sync of every call finished in
 * the last 10 ms at thousands of calls a second held the reserves behind it for
 * milliseconds. The rest goes in the next sync, right after.
 */
export const maxSyncEntriesPerBudget = 48

/** Up to maxSyncEntriesPerBudget changed entries of each budget, oldest first, taken out of `dirty`; `more` when some stay. */
export function takeDirty(dirty: Map<string, Set<string>>): { taken: Map<string, Set<string>>; more: boolean } {
  const taken = new Map<string, Set<string>>()
  let more = false
  for (const [budget, ids] of dirty) {
    if (ids.size <= maxSyncEntriesPerBudget) {
      taken.set(budget, ids)
      dirty.set(budget, new Set())
      continue
    }
    const part = new Set<string>()
    for (const id of ids) {
      if (part.size === maxSyncEntriesPerBudget) break
      part.add(id)
    }
    for (const id of part) ids.delete(id)
    taken.set(budget, part)
    more = true
  }
  return { taken, more }
}

/**
 * The most changed checked entries (and deletes) of one budget that one sync carries. A sync runs as one
 * script, and Redis runs nothing else meanwhile: a sync of every call finished in
 * the last 10 ms at thousands of calls a second held the reserves behind it for
 * milliseconds. The rest goes in the next sync, right after.
 */
export const maxSyncEntriesPerBudget = 48

/** A call Redis admitted (or is admitting) one by one: an entry of its own while in flight. */
interface CheckedEntry {
  nano: number
  /** False while its reserve is on the way: a sync must not register what the script has not admitted. */
  admitted: boolean
}

/** This process's side of one budget, as Redis should hold it. */
interface BudgetEntries {
  checked: Map<string, CheckedEntry>
  /** Calls finished and not yet seen in ClickHouse: entry id → nano-USD. Redis holds only their sum. */
  finished: Map<string, number>
  unconfirmedNano: number
  checkedNano: number
  /** The sum changed since the last sync that carried it. */
  sumChanged: boolean
  /** Checked entries to upsert (admitted after a sync, or registered locally). */
  dirty: Set<string>
  deletes: Set<string>
  /** Calls seen by this process's scans, not yet sent: scan start → their sum, and its entry id once a sync tried it. */
  seen: Map<number, SeenSum>
  /** Calls from the headroom whose costs the next sync hands over: their worst cases, and their costs. */
  handOver: HandOver
}

/**
 * What a sync hands over of the calls admitted from the headroom: their costs move
 * from the grant to the unconfirmed sum (in Redis, in the same script), and their worst
 * cases leave what the grant's calls use.
 */
export interface HandOver {
  worstNano: number
  costNano: number
}

/**
 * What one scan saw, summed. Its id is kept once a sync carried it: a sync that ran in
 * Redis but timed out here is sent again under the same id (the amount is absolute), so
 * the sum is never counted twice.
 */
interface SeenSum {
  nano: number
  id?: string
}

/** One sync of this process's entries: the script's arguments, and what to do with its outcome. */
export interface SharedEntriesSync {
  keys: string[]
  args: string[]
  /** Per budget, this process's own nano-USD in Redis once the sync ran. */
  ownNano: Map<string, number>
  /** The sync ran: per budget, what it handed over of the headroom's calls, and the grant Redis holds now. */
  sent(): Map<string, HandOver & { grantNano: number }>
  /** The sync failed: everything it carried waits for the next one. */
  failed(): void
  /** More changes wait than one sync carries: send another at once. */
  more: boolean
}

/**
 * The entries of this process in Redis, per budget, kept small whatever the rate:
 * a call checked one by one has an entry while in flight; every finished call of the
 * process waits in ONE entry (`<token>:u`, the sum of their costs) until a scan sees
 * it; what a scan saw goes, summed, into one seen entry per sync and scan. A sync is
 * then a few entries per budget at thousands of calls a second, not one per call.
 * The process keeps each call's cost here, to take it out of the sum when it is seen.
 */
export class SharedProcessEntries {
  readonly #token: string
  readonly #maxEntries: number
  readonly #budgets = new Map<string, BudgetEntries>()
  #sequence = 0
  dropped = 0

  constructor(options: { token: string; maxEntries: number }) {
    this.#token = options.token
    this.#maxEntries = options.maxEntries
  }

  track(budgets: readonly string[]): void {
    for (const name of budgets) {
      this.#budgets.set(name, { checked: new Map(), finished: new Map(), unconfirmedNano: 0, checkedNano: 0, sumChanged: false, dirty: new Set(), deletes: new Set(), seen: new Map(), handOver: { worstNano: 0, costNano: 0 } })
    }
  }

  /** A call sent to Redis one by one (or admitted alone while Redis is down: `admitted`). False when too many are held. */
  check(budget: string, entryId: string, nano: number, admitted: boolean): boolean {
    const entries = this.#budgets.get(budget)
    if (entries === undefined) return false
    if (entries.checked.size >= this.#maxEntries) {
      this.dropped += 1
      return false
    }
    entries.checked.set(entryId, { nano, admitted })
    entries.checkedNano += nano
    if (admitted) this.#mark(entries.dirty, entryId)
    return true
  }

  /**
   * Redis answered a check: admitted or not. A call no longer held here (released or
   * finished while its check was on the way) is taken out of Redis again.
   */
  answered(budget: string, entryId: string, admitted: boolean): void {
    const entries = this.#budgets.get(budget)
    if (entries === undefined) return
    const entry = entries.checked.get(entryId)
    if (entry === undefined) {
      if (admitted) this.#mark(entries.deletes, entryId)
      return
    }
    if (admitted) entry.admitted = true
    else this.#dropChecked(entries, entryId, entry, false)
  }

  /** Redis did not answer a check and the process admitted the call alone: register it at the next sync. */
  admitAlone(entryId: string): void {
    for (const entries of this.#budgets.values()) {
      const entry = entries.checked.get(entryId)
      if (entry === undefined || entry.admitted) continue
      entry.admitted = true
      this.#mark(entries.dirty, entryId)
    }
  }

  /**
   * The call finished costing `nano`; `handOverNano` is the worst case the headroom
   * holds for it (0 for a checked call). The sync that adds the cost to the sum also
   * takes it out of the grant: the room the grant set aside is now spent.
   */
  finish(budget: string, entryId: string, nano: number, handOverNano: number): boolean {
    const entries = this.#budgets.get(budget)
    if (entries === undefined) return false
    const checked = entries.checked.get(entryId)
    if (checked !== undefined) this.#dropChecked(entries, entryId, checked, true)
    else if (handOverNano === 0) return false
    if (entries.finished.size >= this.#maxEntries) {
      this.dropped += 1
      return false
    }
    entries.finished.set(entryId, nano)
    entries.unconfirmedNano += nano
    entries.sumChanged = true
    if (handOverNano > 0) {
      entries.handOver.worstNano += handOverNano
      entries.handOver.costNano += nano
    }
    return true
  }

  /**
   * A scan that started at `seenAtMs` saw the call in ClickHouse: its cost moves from
   * the sum to a seen entry, for processes whose figure is older than that scan.
   * A checked call seen before it finished here counts at its worst case.
   */
  seen(budget: string, entryId: string, seenAtMs: number): boolean {
    const entries = this.#budgets.get(budget)
    if (entries === undefined) return false
    let nano = this.#takeFinished(entries, entryId)
    if (nano === undefined) {
      const checked = entries.checked.get(entryId)
      if (checked === undefined) return false
      this.#dropChecked(entries, entryId, checked, true)
      nano = checked.nano
    }
    if (entries.seen.size >= this.#maxEntries) {
      this.dropped += 1
      return true
    }
    const sum = entries.seen.get(seenAtMs)
    if (sum === undefined) entries.seen.set(seenAtMs, { nano })
    else sum.nano += nano
    return true
  }

  /** The call leaves `budget` without a cost to hand over (released, dropped, out of the window). */
  leave(budget: string, entryId: string): boolean {
    const entries = this.#budgets.get(budget)
    if (entries === undefined) return false
    if (this.#takeFinished(entries, entryId) !== undefined) return true
    const checked = entries.checked.get(entryId)
    if (checked === undefined) return false
    this.#dropChecked(entries, entryId, checked, true)
    return true
  }

  /** This process's own nano-USD in `budget` as Redis will hold it: its checked calls and the unconfirmed sum. */
  ownNano(budget: string): number {
    const entries = this.#budgets.get(budget)
    return entries === undefined ? 0 : entries.checkedNano + entries.unconfirmedNano
  }

  /**
   * The arguments of the next `sync` (`full`: every admitted entry, which renews the
   * leases of all) or `update` (what changed, at most maxSyncEntriesPerBudget checked
   * entries and deletes per budget), and how to settle it.
   */
  sync(options: { full: boolean; figureAtMs: (budget: string) => number; keysOf: (budget: string) => string[]; grantNano: (budget: string) => number }): SharedEntriesSync {
    const args: string[] = []
    const keys: string[] = []
    const ownNano = new Map<string, number>()
    const undo: Array<() => void> = []
    const handedOver = new Map<string, HandOver & { grantNano: number }>()
    let more = false
    for (const [budget, entries] of this.#budgets) {
      keys.push(...options.keysOf(budget))
      ownNano.set(budget, entries.checkedNano + entries.unconfirmedNano)
      const part = this.#syncBudget(budget, entries, options.full, options.grantNano(budget))
      more ||= part.more
      args.push(String(options.figureAtMs(budget)), ...part.args)
      undo.push(part.undo)
      if (part.handOver !== undefined) handedOver.set(budget, part.handOver)
    }
    return {
      keys,
      args,
      ownNano,
      more,
      sent: () => handedOver,
      failed: () => {
        for (const step of undo) step()
      },
    }
  }

  #syncBudget(budget: string, entries: BudgetEntries, full: boolean, grantNano: number): { args: string[]; undo: () => void; handOver: (HandOver & { grantNano: number }) | undefined; more: boolean } {
    const sumId = `${this.#token}:u`
    const upserts: string[] = []
    const takenDirty = full ? [...entries.dirty] : take(entries.dirty, maxSyncEntriesPerBudget)
    if (full) entries.dirty.clear()
    for (const id of full ? entries.checked.keys() : takenDirty) {
      const entry = entries.checked.get(id)
      if (entry?.admitted === true) upserts.push(id, 'r', String(entry.nano))
    }
    const sumChanged = entries.sumChanged
    entries.sumChanged = false
    const takenDeletes = take(entries.deletes, maxSyncEntriesPerBudget)
    const deletes = [...takenDeletes]
    if (entries.unconfirmedNano > 0 && (full || sumChanged)) upserts.push(sumId, 'u', String(entries.unconfirmedNano))
    else if (entries.unconfirmedNano <= 0 && sumChanged) deletes.push(sumId)
    const seen = [...entries.seen]
    entries.seen.clear()
    const seenArgs: string[] = []
    for (const [seenAtMs, sum] of seen) {
      // A seen sum is written as unconfirmed and marked seen in the same script: one entry per scan and sync.
      sum.id ??= `${this.#token}:s${++this.#sequence}`
      upserts.push(sum.id, 'u', String(sum.nano))
      seenArgs.push(sum.id, String(seenAtMs))
    }
    const handOver = entries.handOver
    entries.handOver = { worstNano: 0, costNano: 0 }
    let grantAfter: number | undefined
    if (handOver.worstNano > 0) {
      // The costs leave the grant in the same script that adds them to the sum.
      grantAfter = Math.max(0, grantNano - handOver.costNano)
      if (grantAfter > 0) upserts.push(`${this.#token}:grant`, 'r', String(grantAfter))
      else deletes.push(`${this.#token}:grant`)
    }
    const args = [String(upserts.length / 3), ...upserts, String(deletes.length), ...deletes, String(seen.length), ...seenArgs]
    const undo = (): void => {
      for (const id of takenDirty) entries.dirty.add(id)
      for (const id of takenDeletes) entries.deletes.add(id)
      for (const [seenAtMs, sum] of seen) {
        // Seen since, by the same scan: one sum, under the id the failed sync used.
        const since = entries.seen.get(seenAtMs)
        entries.seen.set(seenAtMs, { nano: sum.nano + (since?.nano ?? 0), id: sum.id! })
      }
      entries.handOver.worstNano += handOver.worstNano
      entries.handOver.costNano += handOver.costNano
      entries.sumChanged = true
    }
    return { args, undo, handOver: grantAfter === undefined ? undefined : { ...handOver, grantNano: grantAfter }, more: entries.dirty.size > 0 || entries.deletes.size > 0 }
  }

  /** A finished call's cost, taken out of the sum; undefined when the call is not waiting there. */
  #takeFinished(entries: BudgetEntries, entryId: string): number | undefined {
    const nano = entries.finished.get(entryId)
    if (nano === undefined) return undefined
    entries.finished.delete(entryId)
    entries.unconfirmedNano -= nano
    entries.sumChanged = true
    return nano
  }

  #dropChecked(entries: BudgetEntries, entryId: string, entry: CheckedEntry, deleteInRedis: boolean): void {
    entries.checked.delete(entryId)
    entries.dirty.delete(entryId)
    entries.checkedNano -= entry.nano
    if (deleteInRedis && entry.admitted) this.#mark(entries.deletes, entryId)
  }

  #mark(set: Set<string>, id: string): void {
    if (set.size >= this.#maxEntries) this.dropped += 1
    else set.add(id)
  }
}

/** Up to `count` ids taken out of `set`, oldest first. */
function take(set: Set<string>, count: number): string[] {
  const taken: string[] = []
  for (const id of set) {
    if (taken.length === count) break
    taken.push(id)
  }
  for (const id of taken) set.delete(id)
  return taken
}

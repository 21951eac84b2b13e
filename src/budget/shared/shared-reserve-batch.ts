import { sharedBudgetKeys } from './shared-budget-keys.js'

/** What the ledger asks of one budget when it reserves. */
export interface SharedReserveBudget {
  name: string
  /** Block threshold minus the settled figure, in pico-USD; undefined for a budget that never blocks. */
  roomUnits: bigint | undefined
  /** When the query of this process's settled figure started (0 before the first). */
  figureAtMs: number
}

export type SharedReserveAnswer = { admitted: true } | { admitted: false; index: number; sharedNano: number }

/** One call waiting for the next reserve batch. */
export interface PendingReserve {
  entryId: string
  nano: number
  budgets: readonly SharedReserveBudget[]
  resolve(answer: SharedReserveAnswer): void
  reject(error: unknown): void
}

/**
 * The keys and arguments of one `reserve` of the budget script for a batch of calls,
 * and how to read its reply: each call's answer, and each budget's live figure after
 * the batch (nano-USD), for the others' spend the ledger counts.
 */
export function sharedReserveBatch(options: { batch: readonly PendingReserve[]; prefix: string; clockSkewMs: number }): {
  keys: string[]
  args: string[]
  read(reply: readonly number[]): { answers: SharedReserveAnswer[]; figures: Map<string, number> }
} {
  const names: string[] = []
  const indexOf = new Map<string, number>()
  const args = [String(options.batch.length)]
  for (const call of options.batch) {
    args.push(call.entryId, String(call.nano), String(call.budgets.length))
    for (const budget of call.budgets) {
      let index = indexOf.get(budget.name)
      if (index === undefined) {
        names.push(budget.name)
        index = names.length
        indexOf.set(budget.name, index)
      }
      const room = budget.roomUnits === undefined ? -1n : (budget.roomUnits < 0n ? 0n : budget.roomUnits / 1_000n)
      args.push(String(index), String(room), String(Math.trunc(budget.figureAtMs - options.clockSkewMs)))
    }
  }
  return {
    keys: names.flatMap((name) => sharedBudgetKeys(options.prefix, name)),
    args,
    read(reply) {
      const answers: SharedReserveAnswer[] = options.batch.map((_call, index) => (Number(reply[index * 3]) === 1
        ? { admitted: true }
        : { admitted: false, index: Number(reply[index * 3 + 1]) - 1, sharedNano: Number(reply[index * 3 + 2]) }))
      const offset = options.batch.length * 3
      const figures = new Map(names.map((name, index) => [name, Number(reply[offset + index])]))
      return { answers, figures }
    },
  }
}

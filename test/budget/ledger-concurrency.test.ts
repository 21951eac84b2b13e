import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createBudgetLedger, type BudgetLedger } from '../../src/budget/budget-ledger.js'
import type { BudgetScope } from '../../src/budget/budget-scope.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import { formatUsd } from '../../src/pricing/format-usd.js'
import type { Store } from '../../src/store/create-store.js'
import { insertCalls, openBudgetStore, spanId, storedSpendUnits, usd, type StoredCall } from './budget-test-store.js'

let store: Store
let closeStore: () => Promise<void>

beforeAll(async () => {
  const opened = await openBudgetStore('budget-concurrency')
  store = opened.store
  closeStore = opened.close
})
afterAll(async () => {
  await closeStore?.()
})

const limitUnits = usd('0.01')
const worstCaseUnits = usd('0.0002')

function ledgerFor(workflow: string): BudgetLedger {
  return createBudgetLedger({
    budgets: parseBudgets([{ name: `${workflow}-hourly`, match: { workflow }, window: '1h', limitUsd: '0.01' }]),
    source: createSpendSource({ store }),
    refreshIntervalMs: 20,
  })
}

interface Outcome {
  refused: unknown[]
  settledUnits: bigint
  finished: StoredCall[]
}

/**
 * `count` calls at random moments, each reserving the same worst case, running a
 * while, then failing (released) or finishing at a known cost no higher than that.
 * `ingest` decides what happens to a finished call's span.
 */
async function runCalls(options: {
  ledger: BudgetLedger
  scope: BudgetScope
  count: number
  spreadMs?: number
  onSettle?: (units: bigint) => void
  ingest: (call: StoredCall) => Promise<void>
}): Promise<Outcome> {
  const outcome: Outcome = { refused: [], settledUnits: 0n, finished: [] }
  const ingests: Promise<void>[] = []
  await Promise.all(Array.from({ length: options.count }, async () => {
    await sleep(randomInt(0, options.spreadMs ?? 120))
    let reservation
    try {
      reservation = options.ledger.reserve({ scope: options.scope, worstCaseUnits })
    } catch (error) {
      outcome.refused.push(error)
      return
    }
    const atMs = Date.now()
    const id = spanId()
    reservation.attachSpan(id)
    try {
      await sleep(randomInt(2, 40))
      if (randomInt(0, 10) === 0) throw new Error('provider failed')
      const actual = usd('0.0001') + BigInt(randomInt(0, 100_000_001))
      reservation.settle(actual)
      outcome.settledUnits += actual
      options.onSettle?.(actual)
      const call = { spanId: id, workflow: options.scope.workflow, step: options.scope.step, costUsd: formatUsd(actual), atMs }
      outcome.finished.push(call)
      ingests.push(options.ingest(call))
    } catch {
      reservation.release()
    } finally {
      // A second end is a no-op.
      expect(reservation.release()).toBe(false)
    }
  }))
  await Promise.all(ingests)
  return outcome
}

/**
 * Spans reach the store the way an exporter and the collector deliver them: in
 * batches, at random moments (every 10 to 80 ms), while calls and refreshes go on.
 */
function startCollector(): { add(call: StoredCall): Promise<void>; stop(): Promise<void> } {
  let waiting: StoredCall[] = []
  let stopped = false
  const loop = (async () => {
    while (!stopped || waiting.length > 0) {
      await sleep(randomInt(10, 80))
      const batch = waiting
      waiting = []
      if (batch.length > 0) await insertCalls(store, batch)
    }
  })()
  return {
    add: async (call) => {
      waiting.push(call)
    },
    stop: async () => {
      stopped = true
      await loop
    },
  }
}

/** Once the calls are over, one more call is refused exactly when the room left is below its worst case. */
function expectRefusalOnlyWithoutRoom(ledger: BudgetLedger, scope: BudgetScope, roomUnits: bigint): void {
  if (roomUnits >= worstCaseUnits) {
    expect(ledger.reserve({ scope, worstCaseUnits }).release()).toBe(true)
  } else {
    expect(() => ledger.reserve({ scope, worstCaseUnits })).toThrow(/refuses the call/)
  }
  const roomForExactlyTheRest = ledger.decide(scope, { worstCaseUnits: roomUnits })
  expect(roomForExactlyTheRest.action).toBe('allow')
  expect(ledger.decide(scope, { worstCaseUnits: roomUnits + 1n }).action).toBe('block')
}

describe('the ledger under concurrency', () => {
  it('keeps 200 concurrent calls of one workflow within a small budget, refusing the rest', async () => {
    const ledger = ledgerFor('load-test')
    await ledger.start()
    const collector = startCollector()
    const scope = { workflow: 'load-test', step: 'answer' }
    // While calls run, the ledger never counts less than what finished (no gap) and,
    // but for the brief race README.md describes, not more (no double count).
    const samples = { taken: 0, gaps: 0, doubleCounts: 0, handedOver: 0 }
    const finishedSoFar = { units: 0n }
    const sampler = setInterval(() => {
      const figures = ledger.decide(scope).budget
      if (figures === undefined) return
      const counted = figures.settledUnits + figures.unconfirmedUnits
      samples.taken += 1
      if (counted < finishedSoFar.units) samples.gaps += 1
      if (counted > finishedSoFar.units) samples.doubleCounts += 1
      if (figures.settledUnits > 0n && figures.unconfirmedUnits > 0n) samples.handedOver += 1
    }, 2)
    const outcome = await runCalls({
      ledger,
      scope,
      count: 200,
      spreadMs: 600,
      onSettle: (units) => {
        finishedSoFar.units += units
      },
      ingest: (call) => collector.add(call),
    })
    await collector.stop()
    clearInterval(sampler)
    expect(samples.taken).toBeGreaterThan(50)
    expect(samples.handedOver).toBeGreaterThan(0)
    expect(samples.gaps).toBe(0)
    expect(samples.doubleCounts).toBeLessThanOrEqual(samples.taken / 10)

    const stored = await storedSpendUnits(store, 'load-test')
    expect(stored).toBe(outcome.settledUnits)
    expect(stored <= limitUnits).toBe(true)
    expect(outcome.refused.length).toBeGreaterThan(0)
    for (const error of outcome.refused) {
      expect(isBudgetExceededError(error)).toBe(true)
      expect(error).toMatchObject({ budget: 'load-test-hourly', reason: 'limit', limitUnits, window: '1h', scope })
    }

    await ledger.refresh()
    expect(ledger.stats()).toMatchObject({ activeReservations: 0, reservedUnits: 0n, unconfirmedCalls: 0, droppedUnconfirmed: 0 })
    // Every finished call was handed over to the store exactly once.
    const figures = ledger.decide(scope).budget
    expect(figures).toMatchObject({ settledUnits: stored, unconfirmedUnits: 0n, reservedUnits: 0n, spentUnits: stored })
    expectRefusalOnlyWithoutRoom(ledger, scope, limitUnits - stored)
    await ledger.close()
  })

  it('still refuses at the limit while ingest is paused, and hands the calls over once it resumes', async () => {
    const ledger = ledgerFor('paused-ingest')
    await ledger.start()
    const scope = { workflow: 'paused-ingest', step: 'answer' }
    const outcome = await runCalls({ ledger, scope, count: 120, ingest: async () => {} })

    expect(outcome.refused.length).toBeGreaterThan(0)
    expect(outcome.refused.every(isBudgetExceededError)).toBe(true)
    expect(outcome.settledUnits <= limitUnits).toBe(true)
    expect(await storedSpendUnits(store, 'paused-ingest')).toBe(0n)
    await ledger.refresh()
    const waiting = ledger.decide(scope).budget
    expect(waiting).toMatchObject({ settledUnits: 0n, unconfirmedUnits: outcome.settledUnits, reservedUnits: 0n })
    expectRefusalOnlyWithoutRoom(ledger, scope, limitUnits - outcome.settledUnits)

    await insertCalls(store, outcome.finished)
    await ledger.refresh()
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: outcome.settledUnits, unconfirmedUnits: 0n, spentUnits: outcome.settledUnits })
    expect(ledger.stats()).toMatchObject({ activeReservations: 0, unconfirmedCalls: 0 })
    await ledger.close()
  })
})

import { afterAll, describe, expect, it } from 'vitest'
import type { BudgetConfigInput } from '../../src/budget/budget-config.js'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createBudgetLedger, type BudgetLedger } from '../../src/budget/budget-ledger.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertCalls, manualClock, openBudgetStore, usd } from './budget-test-store.js'

const start = Date.parse('2026-03-10T10:00:30Z')

function budgets(workflow: string): BudgetConfigInput[] {
  return [
    { name: 'fail-open', match: { workflow }, window: '1h', limitUsd: 1, maxStalenessMs: 5_000, onStoreUnavailable: 'allow' },
    { name: 'fail-closed', match: { workflow: `${workflow}-strict` }, window: '1h', limitUsd: 1, maxStalenessMs: 5_000, onStoreUnavailable: 'block' },
  ]
}

function ledgerOn(store: Store, workflow: string): { ledger: BudgetLedger; clock: ReturnType<typeof manualClock> } {
  const clock = manualClock(start)
  const ledger = createBudgetLedger({ budgets: parseBudgets(budgets(workflow)), source: createSpendSource({ store }), now: clock.now })
  return { ledger, clock }
}

const unreachable: Store[] = []
afterAll(async () => {
  for (const store of unreachable) await store.close()
})

describe('a store that cannot be reached', () => {
  it('goes on with local spend up to maxStalenessMs, then follows onStoreUnavailable', async () => {
    const store = await createStore({ url: 'http://127.0.0.1:1/otel', requestTimeoutMs: 2_000 })
    unreachable.push(store)
    const { ledger, clock } = ledgerOn(store, 'outage')
    await ledger.start()
    await ledger.close()
    expect(ledger.stats().refreshFailures).toBe(2)
    expect(ledger.status()[0]?.lastError).toMatch(/ECONNREFUSED|connect/i)

    // Within the staleness bound both budgets decide from this process's own spend.
    const open = { workflow: 'outage' }
    const closed = { workflow: 'outage-strict' }
    ledger.reserve({ scope: open, worstCaseUnits: usd('0.6') }).settle(usd('0.6'))
    expect(ledger.decide(open, { worstCaseUnits: usd('0.3') })).toMatchObject({ action: 'allow', budget: { stale: false, unconfirmedUnits: usd('0.6') } })
    expect(ledger.decide(closed, { worstCaseUnits: usd('0.3') }).action).toBe('allow')

    clock.advance(5_001)
    // fail-closed: every call it matches is refused, whatever its spend.
    const refused = ledger.decide(closed, { worstCaseUnits: 1n })
    expect(refused.action).toBe('block')
    expect(isBudgetExceededError(refused.error)).toBe(true)
    expect(refused.error).toMatchObject({ budget: 'fail-closed', reason: 'store_unavailable', retryAtMs: undefined })
    expect(refused.error?.message).toMatch(/has not answered since the ledger started.*onStoreUnavailable: "block"/)
    expect(() => ledger.reserve({ scope: closed, worstCaseUnits: 1n })).toThrow(/onStoreUnavailable/)
    // fail-open: calls go on, flagged stale, and the spend this process knows still counts.
    expect(ledger.decide(open, { worstCaseUnits: usd('0.3') })).toMatchObject({ action: 'allow', budget: { stale: true } })
    expect(ledger.decide(open, { worstCaseUnits: usd('0.5') })).toMatchObject({ action: 'block', budget: { reason: 'limit' } })
    expect(ledger.stats().activeReservations).toBe(0)
  })

  it('keeps the last figure when a store it could read goes away, then applies onStoreUnavailable', async () => {
    const opened = await openBudgetStore('budget-outage')
    const { store } = opened
    await insertCalls(store, [
      { workflow: 'lost', costUsd: '0.4', atMs: start - 60_000 },
      { workflow: 'lost-strict', costUsd: '0.4', atMs: start - 60_000 },
    ])
    const { ledger, clock } = ledgerOn(store, 'lost')
    await ledger.refresh()
    expect(ledger.stats().refreshFailures).toBe(0)
    await opened.close()

    clock.advance(4_000)
    await ledger.refresh()
    expect(ledger.stats().refreshFailures).toBe(2)
    expect(ledger.decide({ workflow: 'lost' })).toMatchObject({ budget: { settledUnits: usd('0.4'), storeAgeMs: 4_000, stale: false } })
    expect(ledger.decide({ workflow: 'lost-strict' }).action).toBe('allow')

    clock.advance(1_001)
    expect(ledger.decide({ workflow: 'lost' })).toMatchObject({ action: 'allow', budget: { settledUnits: usd('0.4'), stale: true } })
    expect(ledger.decide({ workflow: 'lost' }, { worstCaseUnits: usd('0.61') }).action).toBe('block')
    const refused = ledger.decide({ workflow: 'lost-strict' })
    expect(refused.error).toMatchObject({ reason: 'store_unavailable', spentUnits: usd('0.4') })
    expect(refused.error?.message).toMatch(/has not answered for 5 s/)
  })
})

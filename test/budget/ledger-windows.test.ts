import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BudgetConfigInput } from '../../src/budget/budget-config.js'
import { createBudgetLedger } from '../../src/budget/budget-ledger.js'
import type { BudgetScope } from '../../src/budget/budget-scope.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import type { Store } from '../../src/store/create-store.js'
import { insertCalls, manualClock, openBudgetStore, usd } from './budget-test-store.js'

let store: Store
let closeStore: () => Promise<void>

beforeAll(async () => {
  const opened = await openBudgetStore('budget-windows')
  store = opened.store
  closeStore = opened.close
})
afterAll(async () => {
  await closeStore?.()
})

const at = (iso: string): number => Date.parse(iso)

async function windowLedger(budgets: BudgetConfigInput[], startIso: string) {
  const clock = manualClock(at(startIso))
  const ledger = createBudgetLedger({ budgets: parseBudgets(budgets), source: createSpendSource({ store }), now: clock.now })
  const spent = (scope: BudgetScope, name: string): bigint | undefined =>
    ledger.decide(scope).evaluations.find((evaluation) => evaluation.name === name)?.spentUnits
  return { ledger, clock, spent }
}

describe('rolling windows', () => {
  it('lets spend leave the window at the end of its minute plus the window, with or without a refresh', async () => {
    await insertCalls(store, [
      { workflow: 'rolling', costUsd: '0.1', atMs: at('2026-03-10T09:10:10Z') },
      { workflow: 'rolling', costUsd: '0.2', atMs: at('2026-03-10T09:55:20Z') },
      { workflow: 'rolling', costUsd: '0.3', atMs: at('2026-03-10T10:00:05Z') },
      { workflow: 'rolling', costUsd: '7', atMs: at('2026-03-10T08:59:59Z') },
    ])
    const { ledger, clock, spent } = await windowLedger([
      { name: 'quarter', match: { workflow: 'rolling' }, window: '15m', limitUsd: 1 },
      { name: 'hour', match: { workflow: 'rolling' }, window: '1h', limitUsd: 1 },
    ], '2026-03-10T10:00:30Z')
    await ledger.refresh()
    const scope = { workflow: 'rolling' }
    expect(spent(scope, 'quarter')).toBe(usd('0.5'))
    expect(spent(scope, 'hour')).toBe(usd('0.6'))

    clock.set(at('2026-03-10T10:10:59.999Z'))
    expect(spent(scope, 'quarter')).toBe(usd('0.5'))
    clock.set(at('2026-03-10T10:11:00Z'))
    expect(spent(scope, 'quarter')).toBe(usd('0.3'))
    expect(spent(scope, 'hour')).toBe(usd('0.5'))
    await ledger.refresh()
    expect(spent(scope, 'quarter')).toBe(usd('0.3'))
    expect(spent(scope, 'hour')).toBe(usd('0.5'))

    clock.set(at('2026-03-10T11:00:59Z'))
    expect(spent(scope, 'hour')).toBe(usd('0.3'))
    clock.set(at('2026-03-10T11:01:00Z'))
    expect(spent(scope, 'hour')).toBe(0n)
  })

  it('reads the body of a long window from hour rollups and keeps its edges to the minute', async () => {
    await insertCalls(store, [
      { workflow: 'daylong', costUsd: '1', atMs: at('2026-03-09T14:20:00Z') },
      { workflow: 'daylong', costUsd: '0.25', atMs: at('2026-03-09T20:45:00Z') },
      { workflow: 'daylong', costUsd: '0.5', atMs: at('2026-03-10T09:59:00Z') },
    ])
    const { ledger, clock, spent } = await windowLedger([
      { name: 'day', match: { workflow: 'daylong' }, window: '24h', limitUsd: 2 },
    ], '2026-03-10T10:00:30Z')
    await ledger.refresh()
    const scope = { workflow: 'daylong' }
    expect(spent(scope, 'day')).toBe(usd('1.75'))
    const blocked = ledger.decide(scope, { worstCaseUnits: usd('0.5') })
    // Only once the $1 leaves is there room for $0.50 more. The hour rollup places it
    // somewhere in 14:00-15:00, so the ledger promises 15:00 the next day: late, never early.
    expect(blocked.error?.retryAt?.toISOString()).toBe('2026-03-10T15:00:00.000Z')

    // Without a refresh the $1 sits in an hour bucket and counts until the whole hour has left: late, never early.
    clock.set(at('2026-03-10T14:21:00Z'))
    expect(spent(scope, 'day')).toBe(usd('1.75'))
    await ledger.refresh()
    expect(spent(scope, 'day')).toBe(usd('0.75'))
    expect(ledger.decide(scope, { worstCaseUnits: usd('0.5') }).action).toBe('allow')
  })
})

describe('calendar windows', () => {
  it('resets a New York day at local midnight after the spring-forward day, not an hour late', async () => {
    await insertCalls(store, [
      { workflow: 'ny-day', costUsd: '5', atMs: at('2026-03-08T04:59:00Z') }, // 23:59 EST on the 7th
      { workflow: 'ny-day', costUsd: '0.2', atMs: at('2026-03-08T05:30:00Z') }, // 00:30 EST on the 8th
      { workflow: 'ny-day', costUsd: '0.3', atMs: at('2026-03-09T03:50:00Z') }, // 23:50 EDT on the 8th
    ])
    const { ledger, clock, spent } = await windowLedger([
      { name: 'ny', match: { workflow: 'ny-day' }, window: { calendar: 'day', timeZone: 'America/New_York' }, limitUsd: '0.5' },
    ], '2026-03-09T03:59:00Z')
    await ledger.refresh()
    const scope = { workflow: 'ny-day' }
    expect(spent(scope, 'ny')).toBe(usd('0.5'))
    const blocked = ledger.decide(scope, { worstCaseUnits: 1n })
    expect(blocked.error?.retryAt?.toISOString()).toBe('2026-03-09T04:00:00.000Z')
    expect(blocked.budget).toMatchObject({ windowStartMs: at('2026-03-08T05:00:00Z'), windowEndMs: at('2026-03-09T04:00:00Z') })

    clock.set(at('2026-03-09T03:59:59.999Z'))
    expect(spent(scope, 'ny')).toBe(usd('0.5'))
    clock.set(at('2026-03-09T04:00:00Z'))
    expect(spent(scope, 'ny')).toBe(0n)
    await insertCalls(store, [{ workflow: 'ny-day', costUsd: '0.1', atMs: at('2026-03-09T04:00:10Z') }])
    clock.set(at('2026-03-09T04:01:00Z'))
    await ledger.refresh()
    expect(spent(scope, 'ny')).toBe(usd('0.1'))
    expect(ledger.decide(scope).budget).toMatchObject({ windowStartMs: at('2026-03-09T04:00:00Z'), windowEndMs: at('2026-03-10T04:00:00Z') })
  })

  it('resets a Kolkata day at 18:30 UTC, to the minute', async () => {
    await insertCalls(store, [
      { workflow: 'in-day', costUsd: '0.4', atMs: at('2026-03-10T18:29:30Z') },
      { workflow: 'in-day', costUsd: '0.6', atMs: at('2026-03-09T18:30:00Z') },
      { workflow: 'in-day', costUsd: '9', atMs: at('2026-03-09T18:29:59Z') },
    ])
    const { ledger, clock, spent } = await windowLedger([
      { name: 'kolkata', match: { workflow: 'in-day' }, window: { calendar: 'day', timeZone: 'Asia/Kolkata' }, limitUsd: 1 },
    ], '2026-03-10T18:29:50Z')
    await ledger.refresh()
    const scope = { workflow: 'in-day' }
    expect(spent(scope, 'kolkata')).toBe(usd('1'))
    clock.set(at('2026-03-10T18:30:00Z'))
    expect(spent(scope, 'kolkata')).toBe(0n)
    await ledger.refresh()
    expect(spent(scope, 'kolkata')).toBe(0n)
  })

  it('counts a whole New York month through the rollups and resets on the first local day', async () => {
    await insertCalls(store, [
      { workflow: 'ny-month', costUsd: '7', atMs: at('2026-03-01T04:59:00Z') }, // Feb 28, 23:59 EST
      { workflow: 'ny-month', costUsd: '0.5', atMs: at('2026-03-01T05:00:00Z') }, // Mar 1, 00:00 EST
      { workflow: 'ny-month', costUsd: '1', atMs: at('2026-03-15T12:00:00Z') },
      { workflow: 'ny-month', costUsd: '0.25', atMs: at('2026-04-01T03:59:30Z') }, // Mar 31, 23:59 EDT
    ])
    const { ledger, clock, spent } = await windowLedger([
      { name: 'month', match: { workflow: 'ny-month' }, window: { calendar: 'month', timeZone: 'America/New_York' }, limitUsd: 10 },
    ], '2026-04-01T03:59:50Z')
    await ledger.refresh()
    const scope = { workflow: 'ny-month' }
    expect(spent(scope, 'month')).toBe(usd('1.75'))
    clock.set(at('2026-04-01T04:00:00Z'))
    expect(spent(scope, 'month')).toBe(0n)
    await ledger.refresh()
    expect(ledger.decide(scope).budget).toMatchObject({ spentUnits: 0n, windowStartMs: at('2026-04-01T04:00:00Z'), windowEndMs: at('2026-05-01T04:00:00Z') })
  })

  it('counts this process\'s own calls in the period they started in', async () => {
    const { ledger, clock, spent } = await windowLedger([
      { name: 'utc-day', match: { workflow: 'own-day' }, window: { calendar: 'day' }, limitUsd: 1 },
    ], '2026-03-10T23:59:30Z')
    await ledger.refresh()
    const scope = { workflow: 'own-day' }
    const late = ledger.reserve({ scope, worstCaseUnits: usd('0.9') })
    clock.set(at('2026-03-11T00:00:10Z'))
    // The call started yesterday: it does not eat today's room, in flight or finished.
    expect(spent(scope, 'utc-day')).toBe(0n)
    late.settle(usd('0.8'))
    expect(spent(scope, 'utc-day')).toBe(0n)
    expect(ledger.decide(scope, { worstCaseUnits: usd('1') }).action).toBe('allow')
  })
})

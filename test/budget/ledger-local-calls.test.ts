import { describe, expect, it } from 'vitest'
import { createBudgetLedger, type BudgetLedger } from '../../src/budget/budget-ledger.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import type { SpendQuery, SpendSnapshot, SpendSource } from '../../src/budget/spend-source.js'
import { floorMinute, minuteMs } from '../../src/budget/local-call.js'

/**
 * A store that each budget reads on its own: `ingested` lists, per budget name, the
 * spans (and their cost) that budget's next refresh will find. Budgets refresh one by
 * one, so one budget may see a span before another does.
 */
function storeSeenBy(ingested: Map<string, Map<string, bigint>>, budgetOf: (query: SpendQuery) => string): SpendSource {
  return {
    description: 'a store seen per budget',
    maxSpanIds: 100,
    async fetchSpend(query): Promise<SpendSnapshot> {
      const spans = ingested.get(budgetOf(query)) ?? new Map<string, bigint>()
      let units = 0n
      for (const cost of spans.values()) units += cost
      const buckets = units === 0n ? [] : [{ startMs: floorMinute(Date.now()), durationMs: minuteMs, units }]
      return { buckets, seenSpanIds: query.spanIds.filter((spanId) => spans.has(spanId)) }
    },
  }
}

async function stoppedLedger(options: Parameters<typeof createBudgetLedger>[0]): Promise<BudgetLedger> {
  const ledger = createBudgetLedger(options)
  await ledger.start()
  await ledger.close()
  return ledger
}

function figures(ledger: BudgetLedger, name: string) {
  const evaluation = ledger.decide({ workflow: 'shared' }).evaluations.find((candidate) => candidate.name === name)
  return { settled: evaluation?.settledUnits, unconfirmed: evaluation?.unconfirmedUnits, reserved: evaluation?.reservedUnits }
}

describe('one call counted by several budgets', () => {
  it('hands a call over to each budget when that budget\'s own refresh shows its span', async () => {
    const ingested = new Map<string, Map<string, bigint>>()
    const ledger = await stoppedLedger({
      budgets: parseBudgets([
        { name: 'team', match: { workflow: 'shared' }, window: '1h', limitUsd: 1 },
        { name: 'everything', window: '1h', limitUsd: 1 },
      ]),
      source: storeSeenBy(ingested, (query) => (query.match.workflow === undefined ? 'everything' : 'team')),
    })
    const reservation = ledger.reserve({ scope: { workflow: 'shared' }, worstCaseUnits: 300n })
    reservation.attachSpan('00000000000000a1')
    expect(figures(ledger, 'team')).toEqual({ settled: 0n, unconfirmed: 0n, reserved: 300n })
    expect(figures(ledger, 'everything')).toEqual({ settled: 0n, unconfirmed: 0n, reserved: 300n })

    // The span reaches the store while the call is in flight; only the team budget's refresh sees it.
    ingested.set('team', new Map([['00000000000000a1', 120n]]))
    await ledger.refresh()
    reservation.settle(120n)
    expect(figures(ledger, 'team')).toEqual({ settled: 120n, unconfirmed: 0n, reserved: 0n })
    // The other budget's figure does not hold the call yet: it keeps counting it itself.
    expect(figures(ledger, 'everything')).toEqual({ settled: 0n, unconfirmed: 120n, reserved: 0n })

    ingested.set('everything', new Map([['00000000000000a1', 120n]]))
    await ledger.refresh()
    expect(figures(ledger, 'everything')).toEqual({ settled: 120n, unconfirmed: 0n, reserved: 0n })
    expect(ledger.stats()).toMatchObject({ activeReservations: 0, reservedUnits: 0n, unconfirmedCalls: 0 })
  })

  it('drops the oldest finished calls past maxUnconfirmedCalls, with or without a span, and counts them', async () => {
    let nowMs = Date.now()
    const ledger = await stoppedLedger({
      budgets: parseBudgets([
        { name: 'team', match: { workflow: 'shared' }, window: '1h', limitUsd: 1 },
        { name: 'everything', window: '1h', limitUsd: 1 },
      ]),
      source: storeSeenBy(new Map(), () => 'nobody'),
      maxUnconfirmedCalls: 2,
      now: () => nowMs,
    })
    const finish = (units: bigint, spanId?: string): void => {
      nowMs += 1
      ledger.reserve({ scope: { workflow: 'shared' }, worstCaseUnits: 10n, spanId }).settle(units)
    }
    for (const units of [1n, 2n, 3n, 4n]) finish(units)
    expect(figures(ledger, 'team')).toEqual({ settled: 0n, unconfirmed: 7n, reserved: 0n })
    // The oldest waiting call goes, whichever way it waits (for its span or for time).
    finish(5n, '00000000000000b1')
    expect(figures(ledger, 'team')).toEqual({ settled: 0n, unconfirmed: 9n, reserved: 0n })
    expect(figures(ledger, 'everything')).toEqual({ settled: 0n, unconfirmed: 9n, reserved: 0n })
    expect(ledger.stats()).toMatchObject({ unconfirmedCalls: 4, droppedUnconfirmed: 6 })
  })
})

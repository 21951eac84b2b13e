import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BudgetConfigInput } from '../../src/budget/budget-config.js'
import type { BudgetDecision } from '../../src/budget/budget-decision.js'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createBudgetGate } from '../../src/budget/budget-gate.js'
import { createBudgetLedger, type BudgetLedgerOptions } from '../../src/budget/budget-ledger.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import type { SpendSource } from '../../src/budget/spend-source.js'
import type { BudgetGate as RouterBudgetGate } from '../../src/router/create-router.js'
import type { Store } from '../../src/store/create-store.js'
import { startModelCallSpan } from '../../src/telemetry/model-call-span.js'
import { startTelemetry, type Telemetry } from '../../src/telemetry/start-telemetry.js'
import type { CallBudgetGate } from '../../src/wrap/call-budget-gate.js'
import { insertCalls, manualClock, openBudgetStore, spanId, usd } from './budget-test-store.js'

let store: Store
let closeStore: () => Promise<void>
const spans = new InMemorySpanExporter()
let telemetry: Telemetry

beforeAll(async () => {
  const opened = await openBudgetStore('budget-actions')
  store = opened.store
  closeStore = opened.close
  telemetry = startTelemetry({ exporter: new InMemorySpanExporter(), spanProcessors: [new SimpleSpanProcessor(spans)] })
})
afterAll(async () => {
  await telemetry?.shutdown()
  await closeStore?.()
})

const start = Date.parse('2026-03-10T10:00:30Z')

async function ledgerWith(budgets: BudgetConfigInput[], options: Partial<BudgetLedgerOptions> = {}) {
  const clock = manualClock(start)
  const ledger = createBudgetLedger({ budgets: parseBudgets(budgets), source: createSpendSource({ store }), now: clock.now, ...options })
  await ledger.start()
  await ledger.close()
  return { ledger, clock }
}

/** A finished call of this process whose span the store already has. */
async function spend(options: { ledger: Awaited<ReturnType<typeof ledgerWith>>['ledger']; workflow: string; costUsd: string; atMs: number; tags?: Record<string, string> }): Promise<void> {
  const id = spanId()
  const reservation = options.ledger.reserve({ scope: { workflow: options.workflow, tags: options.tags }, worstCaseUnits: usd(options.costUsd), spanId: id })
  reservation.settle(usd(options.costUsd))
  await insertCalls(store, [{ spanId: id, workflow: options.workflow, costUsd: options.costUsd, atMs: options.atMs, tags: options.tags }])
}

/** Record the decision on a model-call span, as the router does, and read the span back. */
function spanAttributes(decision: BudgetDecision, route: string): Record<string, unknown> {
  spans.reset()
  const call = startModelCallSpan({
    scope: { workflow: 'graded', tags: {} },
    providerName: 'openai',
    serverAddress: 'api.openai.com',
    serverPort: 443,
    request: { model: route === 'cheap' ? 'gpt-4.1-nano' : 'gpt-4.1', messages: [] },
    stream: false,
    route,
    attempt: 1,
    budget: decision.summary,
    captureContent: false,
  })
  call.end({})
  const [span] = spans.getFinishedSpans()
  return { ...span?.attributes }
}

describe('graded budget actions', () => {
  it('warns, then downgrades to the cheaper route (visible on the span), then blocks', async () => {
    const { ledger, clock } = await ledgerWith([{
      name: 'graded-hourly',
      match: { workflow: 'graded' },
      window: '1h',
      limitUsd: 1,
      actions: [{ at: 0.5, do: 'warn' }, { at: 0.8, do: { downgrade: 'cheap' } }, { at: 1, do: 'block' }],
    }])
    const scope = { workflow: 'graded', step: 'answer' }
    const call = usd('0.05')

    await spend({ ledger, workflow: 'graded', costUsd: '0.4', atMs: start })
    expect(ledger.decide(scope, { worstCaseUnits: call })).toMatchObject({ action: 'allow', summary: { name: 'graded-hourly', action: 'allow', spentUsd: '0.4', limitUsd: '1' } })

    await spend({ ledger, workflow: 'graded', costUsd: '0.1', atMs: start })
    const warn = ledger.decide(scope, { worstCaseUnits: call })
    expect(warn).toMatchObject({ action: 'warn', budget: { actionAt: 0.5, spentUnits: usd('0.5') } })
    expect(warn.downgradeTo).toBeUndefined()

    await spend({ ledger, workflow: 'graded', costUsd: '0.3', atMs: start })
    const downgrade = ledger.decide(scope, { worstCaseUnits: call })
    expect(downgrade).toMatchObject({ action: 'downgrade', downgradeTo: 'cheap', summary: { action: 'downgrade', spentUsd: '0.8' } })
    expect(spanAttributes(downgrade, downgrade.downgradeTo ?? 'smart')).toMatchObject({
      'switchyard.route': 'cheap',
      'gen_ai.request.model': 'gpt-4.1-nano',
      'switchyard.budget.name': 'graded-hourly',
      'switchyard.budget.action': 'downgrade',
      'switchyard.budget.spent_usd': '0.8',
      'switchyard.budget.limit_usd': '1',
    })

    await spend({ ledger, workflow: 'graded', costUsd: '0.15', atMs: start })
    // 0.95 + 0.05 reaches the limit exactly: still allowed (downgraded); one pico-USD more is not.
    expect(ledger.decide(scope, { worstCaseUnits: call }).action).toBe('downgrade')
    const block = ledger.decide(scope, { worstCaseUnits: call + 1n })
    expect(block.action).toBe('block')
    expect(isBudgetExceededError(block.error)).toBe(true)
    expect(block.error).toMatchObject({
      budget: 'graded-hourly',
      reason: 'limit',
      spentUsd: '0.95',
      limitUsd: '1',
      window: '1h',
      scope,
      worstCaseUnits: call + 1n,
    })
    // All of it was spent at 10:00:30, so it leaves the 1-hour window at the end of that minute plus an hour.
    expect(block.error?.retryAt?.toISOString()).toBe('2026-03-10T11:01:00.000Z')
    expect(block.error?.message).toMatch(/budget "graded-hourly" refuses the call: \$0\.95 of \$1 spent in the rolling 1h window/)
    expect(spanAttributes(block, 'smart')).toMatchObject({ 'switchyard.budget.action': 'block' })
    expect(() => ledger.reserve({ scope, worstCaseUnits: call + 1n })).toThrow(block.error?.message ?? 'never')
    expect(ledger.stats().activeReservations).toBe(0)

    clock.set(Date.parse('2026-03-10T11:01:00Z'))
    expect(ledger.decide(scope, { worstCaseUnits: call + 1n }).action).toBe('allow')
  })

  it('applies every matching budget and lets the strictest win', async () => {
    const { ledger } = await ledgerWith([
      { name: 'strict-workflow', match: { workflow: 'strict' }, window: '24h', limitUsd: 10, actions: [{ at: 0.01, do: 'warn' }] },
      { name: 'tenant-acme', match: { 'tag.tenant': 'acme' }, window: '24h', limitUsd: '0.5' },
      { name: 'global', window: '24h', limitUsd: 1000, actions: [{ at: 0.000001, do: { downgrade: 'cheap' } }] },
      { name: 'other-workflow', match: { workflow: 'other*' }, window: '24h', limitUsd: 1 },
    ])
    await spend({ ledger, workflow: 'strict', costUsd: '0.4', atMs: start, tags: { tenant: 'acme' } })
    await spend({ ledger, workflow: 'strict', costUsd: '0.3', atMs: start, tags: { tenant: 'globex' } })
    await ledger.refresh()

    const acme = ledger.decide({ workflow: 'strict', tags: { tenant: 'acme' } }, { worstCaseUnits: usd('0.2') })
    expect(acme.evaluations.map((evaluation) => [evaluation.name, evaluation.action])).toEqual([
      ['strict-workflow', 'warn'],
      ['tenant-acme', 'block'],
      ['global', 'downgrade'],
    ])
    expect(acme).toMatchObject({ action: 'block', budget: { name: 'tenant-acme', settledUnits: usd('0.4'), unconfirmedUnits: 0n } })
    const globex = ledger.decide({ workflow: 'strict', tags: { tenant: 'globex' } }, { worstCaseUnits: usd('0.2') })
    expect(globex).toMatchObject({ action: 'downgrade', downgradeTo: 'cheap', budget: { name: 'global' } })
    expect(globex.evaluations.map((evaluation) => evaluation.name)).toEqual(['strict-workflow', 'global'])
  })
})

describe('handing finished calls over to the store', () => {
  it('counts a finished call locally until the store shows its span, then only there', async () => {
    const { ledger, clock } = await ledgerWith([{ name: 'handover', match: { workflow: 'handover' }, window: '1h', limitUsd: 1 }])
    const scope = { workflow: 'handover' }
    const reservation = ledger.reserve({ scope, worstCaseUnits: usd('0.3') })
    expect(ledger.decide(scope).budget).toMatchObject({ reservedUnits: usd('0.3'), spentUnits: usd('0.3') })
    const id = spanId()
    reservation.attachSpan(id)
    clock.advance(2_000)
    expect(reservation.settle(usd('0.125'))).toBe(true)
    expect(reservation.settle(usd('0.2'))).toBe(false)
    expect(reservation.release()).toBe(false)
    expect(reservation.status).toBe('settled')

    await ledger.refresh()
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: 0n, unconfirmedUnits: usd('0.125'), reservedUnits: 0n })

    await insertCalls(store, [{ spanId: id, workflow: 'handover', costUsd: '0.125', atMs: start }])
    // Not read yet: still counted locally, once.
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: 0n, unconfirmedUnits: usd('0.125') })
    await ledger.refresh()
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: usd('0.125'), unconfirmedUnits: 0n, spentUnits: usd('0.125') })
    expect(ledger.stats()).toMatchObject({ activeReservations: 0, unconfirmedCalls: 0 })
  })

  it('waits for every attempt\'s span of a call before it stops counting it locally', async () => {
    const { ledger } = await ledgerWith([{ name: 'attempts', match: { workflow: 'attempts' }, window: '1h', limitUsd: 1 }])
    const scope = { workflow: 'attempts' }
    const reservation = ledger.reserve({ scope, worstCaseUnits: usd('0.5') })
    const [first, second] = [spanId(), spanId()]
    reservation.attachSpan(first)
    reservation.settle(usd('0.3'), { spanId: second })
    await insertCalls(store, [{ spanId: first, workflow: 'attempts', costUsd: '0.1', atMs: start }])
    await ledger.refresh()
    // Part of the call is in the store and all of it still counts here: over, never under.
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: usd('0.1'), unconfirmedUnits: usd('0.3') })
    await insertCalls(store, [{ spanId: second, workflow: 'attempts', costUsd: '0.2', atMs: start }])
    await ledger.refresh()
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: usd('0.3'), unconfirmedUnits: 0n })
  })

  it('drops a finished call without a span id after ingestDelayMs', async () => {
    const { ledger, clock } = await ledgerWith([{ name: 'no-span', match: { workflow: 'no-span' }, window: '1h', limitUsd: 1 }], { ingestDelayMs: 10_000 })
    ledger.reserve({ scope: { workflow: 'no-span' }, worstCaseUnits: usd('0.5') }).settle(usd('0.25'))
    clock.advance(9_000)
    await ledger.refresh()
    expect(ledger.decide({ workflow: 'no-span' }).budget?.unconfirmedUnits).toBe(usd('0.25'))
    clock.advance(1_000)
    await ledger.refresh()
    expect(ledger.decide({ workflow: 'no-span' }).budget?.unconfirmedUnits).toBe(0n)
  })

  it('asks about at most maxSpanIds spans a refresh, oldest first, and hands every call over in later refreshes', async () => {
    const storeSource = createSpendSource({ store })
    const asked: string[][] = []
    const source: SpendSource = {
      description: 'the store, three spans a query',
      maxSpanIds: 3,
      fetchSpend: (query) => {
        asked.push([...query.spanIds])
        return storeSource.fetchSpend(query)
      },
    }
    const clock = manualClock(start)
    const ledger = createBudgetLedger({ budgets: parseBudgets([{ name: 'paced', match: { workflow: 'paced' }, window: '1h', limitUsd: 1 }]), source, now: clock.now })
    const scope = { workflow: 'paced' }
    const ids = Array.from({ length: 7 }, () => spanId())
    for (const [index, id] of ids.entries()) {
      ledger.reserve({ scope, worstCaseUnits: usd('0.1') }).settle(usd(`0.0${index + 1}`), { spanId: id })
      clock.advance(100)
    }
    await insertCalls(store, ids.map((id, index) => ({ spanId: id, workflow: 'paced', costUsd: `0.0${index + 1}`, atMs: start + index * 100 })))
    const all = usd('0.28')
    // The store already holds every call; the ones not asked about yet still count
    // locally too (over, never under) until a refresh asks about them.
    for (const [refresh, left, stillLocal] of [[1, 4, '0.22'], [2, 1, '0.07'], [3, 0, '0']] as const) {
      await ledger.refresh()
      expect(asked.at(-1)).toEqual(ids.slice((refresh - 1) * 3, refresh * 3))
      expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: all, unconfirmedUnits: usd(stillLocal) })
      expect(ledger.stats().unconfirmedCalls).toBe(left)
    }
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: all, unconfirmedUnits: 0n, spentUnits: all })
  })

  it('hands thousands of finished calls over to the store in one refresh', async () => {
    const { ledger } = await ledgerWith([{ name: 'busy', match: { workflow: 'busy' }, window: '1h', limitUsd: 100 }])
    const scope = { workflow: 'busy' }
    const calls = Array.from({ length: 2_500 }, (_, index) => ({ spanId: spanId(), workflow: 'busy', costUsd: '0.001', atMs: start + index }))
    for (const call of calls) ledger.reserve({ scope, worstCaseUnits: usd('0.01') }).settle(usd(call.costUsd), { spanId: call.spanId })
    await insertCalls(store, calls)
    await ledger.refresh()
    expect(ledger.stats().unconfirmedCalls).toBe(0)
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: usd('2.5'), unconfirmedUnits: 0n, spentUnits: usd('2.5') })
  })

  it('waits for the span of a call that gained one after it finished without, however long ingest takes', async () => {
    const { ledger, clock } = await ledgerWith([{ name: 'late-span', match: { workflow: 'late-span' }, window: '1h', limitUsd: 1 }], { ingestDelayMs: 10_000 })
    const scope = { workflow: 'late-span' }
    const reservation = ledger.reserve({ scope, worstCaseUnits: usd('0.5') })
    reservation.settle(usd('0.2'))
    // A hedge that lost the race reports its span after the call was settled.
    const late = spanId()
    reservation.attachSpan(late)
    clock.advance(20_000)
    await ledger.refresh()
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: 0n, unconfirmedUnits: usd('0.2') })
    await insertCalls(store, [{ spanId: late, workflow: 'late-span', costUsd: '0.2', atMs: start }])
    await ledger.refresh()
    expect(ledger.decide(scope).budget).toMatchObject({ settledUnits: usd('0.2'), unconfirmedUnits: 0n })
  })

  it('releases a reservation nobody ended after reservationTtlMs, and counts it', async () => {
    const { ledger, clock } = await ledgerWith([{ name: 'forgotten', match: { workflow: 'forgotten' }, window: '1h', limitUsd: 1 }], { reservationTtlMs: 60_000 })
    const forgotten = ledger.reserve({ scope: { workflow: 'forgotten' }, worstCaseUnits: usd('0.9') })
    const released = ledger.reserve({ scope: { workflow: 'forgotten' }, worstCaseUnits: usd('0.05') })
    expect(released.release()).toBe(true)
    expect(ledger.stats()).toMatchObject({ activeReservations: 1, reservedUnits: usd('0.9') })
    clock.advance(60_000)
    await ledger.refresh()
    expect(forgotten.status).toBe('released')
    expect(ledger.stats()).toMatchObject({ activeReservations: 0, reservedUnits: 0n, expiredReservations: 1 })
    expect(ledger.decide({ workflow: 'forgotten' }).budget?.spentUnits).toBe(0n)
  })
})

describe('the gate the router and instrumented clients ask', () => {
  it('fits their gate interfaces, reserves per call, downgrades and blocks', async () => {
    const { ledger } = await ledgerWith([{
      name: 'gated', match: { workflow: 'gated', model: 'gpt-4.1*' }, window: '1h', limitUsd: 1, actions: [{ at: 0.5, do: { downgrade: 'cheap' } }, { at: 1, do: 'block' }],
    }])
    const gate = createBudgetGate({ ledger, worstCaseUnits: () => usd('0.4') })
    const forRouter: RouterBudgetGate = gate
    const forClients: CallBudgetGate = gate
    const scope = { workflow: 'gated', tags: {} }

    const first = forClients.decide({ scope, route: 'openai/gpt-4.1', provider: 'openai', model: 'gpt-4.1' })
    expect(first.record).toMatchObject({ name: 'gated', action: 'allow', spentUsd: '0' })
    const second = gate.decide({ scope, route: 'openai/gpt-4.1', provider: 'openai', model: 'gpt-4.1' })
    expect(second).toMatchObject({ downgradeRoute: 'cheap', record: { action: 'downgrade', spentUsd: '0.4' } })
    // Before a target is picked the model is unknown: a budget on models does not apply yet.
    const routed = forRouter.decide({ scope, route: 'smart' })
    expect(routed.record).toBeUndefined()
    expect(() => gate.decide({ scope, route: 'openai/gpt-4.1', provider: 'openai', model: 'gpt-4.1' })).toThrow(/refuses the call/)
    first.release(usd('0.1'))
    second.release()
    routed.release()
    expect(ledger.stats().activeReservations).toBe(0)
    expect(ledger.decide({ ...scope, model: 'gpt-4.1' }).budget?.spentUnits).toBe(usd('0.1'))
  })
})

describe('reservations', () => {
  it('reserves the p95 of output tokens seen for the workflow, step and model, else the model maximum', async () => {
    const { ledger } = await ledgerWith([], { maxOutputTokens: (model) => (model === 'gpt-4.1-mini' ? 32_768 : undefined) })
    const calls = Array.from({ length: 20 }, (_, index) => ({
      workflow: 'percentiles', step: 'draft', model: 'gpt-4.1-mini', costUsd: '0.001', atMs: Date.now() - 60_000, outputTokens: (index + 1) * 100,
    }))
    await insertCalls(store, calls)
    await ledger.refreshOutputTokens()
    expect(ledger.outputTokensFor({ scope: { workflow: 'percentiles', step: 'draft', model: 'gpt-4.1-mini' } })).toEqual({ tokens: 2000, source: 'percentile' })
    expect(ledger.outputTokensFor({ scope: { workflow: 'percentiles', step: 'draft', model: 'gpt-4.1-mini' }, maxTokens: 256 })).toEqual({ tokens: 256, source: 'request' })
    expect(ledger.outputTokensFor({ scope: { workflow: 'percentiles', step: 'other', model: 'gpt-4.1-mini' } })).toEqual({ tokens: 32_768, source: 'model_maximum' })
    expect(ledger.outputTokensFor({ scope: { workflow: 'percentiles', step: 'draft', model: 'acme-1' } })).toEqual({ tokens: 32_768, source: 'default' })
  })

  it('tells a stream how much more it may cost before it crosses a stopStreamAtLimit budget', async () => {
    const { ledger } = await ledgerWith([
      { name: 'streams', match: { workflow: 'streams' }, window: '1h', limitUsd: 1, stopStreamAtLimit: true },
      { name: 'no-stop', match: { workflow: 'stream*' }, window: '1h', limitUsd: '0.6' },
    ])
    const other = ledger.reserve({ scope: { workflow: 'streams' }, worstCaseUnits: usd('0.5') })
    const stream = ledger.reserve({ scope: { workflow: 'streams' }, worstCaseUnits: usd('0.01') })
    expect(stream.streamLimitUnits()).toBe(usd('0.5'))
    other.settle(usd('0.7'))
    expect(stream.streamLimitUnits()).toBe(usd('0.3'))
    // A budget without stopStreamAtLimit never stops a stream, even one it would refuse now.
    expect(ledger.decide({ workflow: 'streams' }, { worstCaseUnits: usd('0.1') }).action).toBe('block')
    stream.settle(usd('0.01'))
    expect(stream.streamLimitUnits()).toBeUndefined()
  })
})

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBudgetLedger } from '../../src/budget/budget-ledger.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import { handleSpendRequest } from '../../src/budget/spend-request-handler.js'
import type { Store } from '../../src/store/create-store.js'
import { serveSpendRequest } from '../../src/collector/spend-route.js'
import { insertCalls, manualClock, openBudgetStore, spanId, usd } from './budget-test-store.js'

let store: Store
let closeStore: () => Promise<void>
const now = Date.parse('2026-03-10T10:00:30Z')
const at = (iso: string): number => Date.parse(iso)
const seenId = spanId()

beforeAll(async () => {
  const opened = await openBudgetStore('budget-endpoint')
  store = opened.store
  closeStore = opened.close
  await insertCalls(store, [
    { spanId: seenId, workflow: 'endpoint', step: 'plan', costUsd: '0.1', atMs: at('2026-03-10T09:59:10Z') },
    { workflow: 'endpoint', step: 'plan', costUsd: '0.000000000001', atMs: at('2026-03-10T09:30:00Z') },
    { workflow: 'endpoint', step: 'answer', costUsd: '2.5', atMs: at('2026-03-10T08:00:00Z'), tags: { tenant: 'acme' } },
    { workflow: 'endpoint-other', costUsd: '9', atMs: at('2026-03-10T09:45:00Z') },
    { workflow: 'under_score', costUsd: '1', atMs: at('2026-03-10T09:45:00Z') },
    { workflow: 'underXscore', costUsd: '2', atMs: at('2026-03-10T09:45:00Z') },
    { workflow: '100%', costUsd: '4', atMs: at('2026-03-10T09:45:00Z') },
  ])
})
afterAll(async () => {
  await closeStore?.()
})

function request(query: string) {
  return handleSpendRequest({ store, searchParams: new URLSearchParams(query), now: () => now })
}

describe('GET /v1/spend', () => {
  it('answers with exact decimal strings for a rolling window', async () => {
    const response = await request('workflow=endpoint&window=1h')
    expect(response).toEqual({
      status: 200,
      body: {
        window: '1h',
        from: '2026-03-10T09:00:00.000Z',
        to: null,
        spentUsd: '0.100000000001',
        buckets: [
          { start: '2026-03-10T09:30:00.000Z', seconds: 60, costUsd: '0.000000000001' },
          { start: '2026-03-10T09:59:00.000Z', seconds: 60, costUsd: '0.1' },
        ],
        seenSpanIds: [],
      },
    })
  })

  it('takes wildcards, tags, calendar windows and span ids', async () => {
    expect((await request('workflow=endpoint*&window=24h')).body).toMatchObject({ spentUsd: '11.600000000001' })
    expect((await request('workflow=endpoint&tag.tenant=acme&window=24h')).body).toMatchObject({ spentUsd: '2.5' })
    // "_" and "%" in a pattern are literal: only "*" is a wildcard.
    expect((await request('workflow=under_*&window=1h')).body).toMatchObject({ spentUsd: '1' })
    expect((await request(`workflow=${encodeURIComponent('100%*')}&window=1h`)).body).toMatchObject({ spentUsd: '4' })
    expect((await request('workflow=1*&window=1h')).body).toMatchObject({ spentUsd: '4' })
    expect((await request('workflow=endpoint&step=pl*&window=day&timeZone=Asia/Kolkata')).body).toMatchObject({
      window: { calendar: 'day', timeZone: 'Asia/Kolkata' },
      from: '2026-03-09T18:30:00.000Z',
      to: '2026-03-10T18:30:00.000Z',
      spentUsd: '0.100000000001',
    })
    const missing = spanId()
    const withIds = await request(`workflow=endpoint&from=2026-03-10T09:00:00Z&recentFrom=2026-03-10T09:50:00Z&spanIds=${seenId},${missing}`)
    expect(withIds.body).toMatchObject({ spentUsd: '0.100000000001', seenSpanIds: [seenId] })
  })

  it.each([
    ['', /either window .* or from/],
    ['workflow=endpoint', /either window .* or from/],
    ['window=1h&from=2026-03-10T09:00:00Z', /not both/],
    ['window=2h', /bad window/],
    ['window=1h&timeZone=UTC', /timeZone applies only to the calendar windows/],
    ['window=day&timeZone=Mars/Olympus', /IANA time zone/],
    ['from=yesterday', /from must be an ISO 8601 instant/],
    ['from=2026-03-10T09:00:00Z&recentFrom=2026-03-10T08:00:00Z', /recentFrom must not be before/],
    ['window=1h&spanIds=xyz', /is not a span id/],
    ['window=1h&workflw=endpoint', /unknown parameter "workflw"/],
    ['window=1h&window=24h', /parameter "window" is given more than once/],
    ['window=1h&tag.tenant=', /bad match/],
  ])('answers 400 to %j', async (query, message) => {
    const response = await request(query)
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: expect.stringMatching(message) })
  })

  it('answers a form of 100,000 tag keys with 400 naming the 17th, having read no further', async () => {
    // What used to freeze the collector for 36 s: every key looked up again in the whole list.
    const form = `${Array.from({ length: 100_000 }, (_, index) => `tag.k${index}=x`).join('&')}&window=1h`
    const response = await handleSpendRequest({ store, searchParams: new URLSearchParams(form), now: () => now })
    expect(response).toEqual({ status: 400, body: { error: expect.stringMatching(/^parameter "tag\.k16" is a tag condition past the 16 one request may carry/) } })
    // And the store still answers the next one.
    expect((await request('workflow=endpoint&window=1h')).body).toMatchObject({ spentUsd: '0.100000000001' })
  })

  it('matches on 16 tags, and refuses a 17th, a long value or a key given twice, naming the parameter', async () => {
    const tags = Array.from({ length: 16 }, (_, index) => `tag.t${index}=*`).join('&')
    expect((await request(`workflow=endpoint&${tags}&window=24h`)).body).toMatchObject({ spentUsd: '2.600000000001' })
    expect((await request(`workflow=endpoint&${tags}&tag.t16=*&window=24h`)).body).toEqual({ error: expect.stringMatching(/^parameter "tag\.t16" is a tag condition past the 16/) })
    expect((await request(`workflow=${'w'.repeat(257)}&window=1h`)).body).toEqual({ error: 'parameter "workflow" is 257 characters long; at most 256' })
    expect((await request(`tag.${'k'.repeat(129)}=x&window=1h`)).body).toEqual({ error: expect.stringMatching(/^parameter "tag\.k+\.\.\." is 133 characters long; a tag\.<key> parameter is at most 132$/) })
    expect((await request('tag.tenant=acme&window=1h&tag.tenant=globex')).body).toEqual({ error: 'parameter "tag.tenant" is given more than once; give it once' })
  })

  it('takes only strict ISO 8601 instants in the years 2000 to 2099 for from and recentFrom, naming the parameter', async () => {
    const odd = [
      '2024', '1e20', '-1', ' 2026-03-10T09:00:00Z', '2026-03-10T09:00:00Z ', '2026-03-10', '2024-02-31T00:00:00Z',
      '2023-02-29T00:00:00Z', '2026-03-10T24:00:00Z', '2026-03-10T09:00:60Z', '2026-03-10 09:00:00Z', '2026-03-10T09:00:00',
      '2026-03-10t09:00:00z', '0000-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2100-01-01T00:00:00Z', '9999-12-31T23:59:59Z',
      '+275760-09-13T00:00:00Z', '2026-03-10T09:00:00+24:00', '2026-03-10T09:00:00.1234567891Z',
    ]
    for (const text of odd) {
      const from = await request(`workflow=endpoint&from=${encodeURIComponent(text)}`)
      expect({ text, answer: from }).toEqual({ text, answer: { status: 400, body: { error: expect.stringMatching(/^from must /) } } })
      const recentFrom = await request(`workflow=endpoint&from=2026-03-10T09:00:00Z&recentFrom=${encodeURIComponent(text)}`)
      expect({ text, answer: recentFrom }).toEqual({ text, answer: { status: 400, body: { error: expect.stringMatching(/^recentFrom must /) } } })
    }
    expect((await request('workflow=endpoint&from=1999-12-31T23:59:59Z')).body).toEqual({ error: 'from must be in the years 2000 to 2099 (got "1999-12-31T23:59:59Z")' })
    expect((await request('workflow=endpoint&from=2024-02-31T00:00:00Z')).body).toEqual({ error: 'from must name a day of the calendar (2024-02-31 is not one) (got "2024-02-31T00:00:00Z")' })
    // Offsets, fractions to the nanosecond and a leap day are instants too.
    expect((await request('workflow=endpoint&from=2026-03-10T14:30:00.123456789%2B05:30')).body).toMatchObject({ from: '2026-03-10T09:00:00.000Z', spentUsd: '0.100000000001' })
    expect((await request('workflow=endpoint&from=2024-02-29T00:00Z')).status).toBe(200)
  })

  it('answers 400 to more span ids than one request may carry', async () => {
    const response = await request(`window=1h&spanIds=${Array.from({ length: 10_001 }, () => 'a'.repeat(16)).join(',')}`)
    expect(response).toEqual({ status: 400, body: { error: expect.stringMatching(/at most 10000/) } })
  })
})

describe('a ledger reading a collector\'s spend endpoint', () => {
  let server: Server
  let url: string

  beforeAll(async () => {
    // The collector's own route, over this file's store.
    server = createServer((incoming, outgoing) => {
      void serveSpendRequest({ request: incoming, response: outgoing, store })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  it('hands a thousand finished calls over in one refresh, their span ids in a form body', async () => {
    const ledger = createBudgetLedger({ budgets: parseBudgets([{ name: 'remote-busy', match: { workflow: 'remote-busy' }, window: '1h', limitUsd: 100 }]), source: createSpendSource({ url }) })
    const calls = Array.from({ length: 1_000 }, (_, index) => ({ spanId: spanId(), workflow: 'remote-busy', costUsd: '0.001', atMs: Date.now() - 1_000 + index }))
    for (const call of calls) ledger.reserve({ scope: { workflow: 'remote-busy' }, worstCaseUnits: usd('0.01') }).settle(usd(call.costUsd), { spanId: call.spanId })
    await insertCalls(store, calls)
    await ledger.refresh()
    expect(ledger.stats()).toMatchObject({ refreshFailures: 0, unconfirmedCalls: 0 })
    expect(ledger.decide({ workflow: 'remote-busy' }).budget).toMatchObject({ settledUnits: usd('1'), unconfirmedUnits: 0n })
  })

  it('answers a POST that is not a form, or that mixes URL and body parameters, with the reason', async () => {
    const json = await fetch(`${url}/v1/spend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"window":"1h"}' })
    expect(json.status).toBe(415)
    expect(await json.json()).toEqual({ error: expect.stringMatching(/application\/x-www-form-urlencoded/) })
    const mixed = await fetch(`${url}/v1/spend?workflow=endpoint`, { method: 'POST', body: new URLSearchParams({ window: '1h' }) })
    expect(mixed.status).toBe(400)
    expect(await mixed.json()).toEqual({ error: expect.stringMatching(/in the body only/) })
    const form = await fetch(`${url}/v1/spend`, { method: 'POST', body: new URLSearchParams({ workflow: 'endpoint*', from: '2026-03-09T10:00:00Z' }) })
    expect(await form.json()).toMatchObject({ spentUsd: '11.600000000001' })
  })

  it('hands finished calls over through the endpoint and survives its outage', async () => {
    const clock = manualClock(Date.now())
    const ledger = createBudgetLedger({
      budgets: parseBudgets([{ name: 'remote', match: { workflow: 'remote' }, window: '1h', limitUsd: 1, maxStalenessMs: 3_000, onStoreUnavailable: 'block' }]),
      source: createSpendSource({ url }),
      now: clock.now,
    })
    await insertCalls(store, [{ workflow: 'remote', costUsd: '0.25', atMs: clock.now() - 120_000 }])
    await ledger.refresh()
    const id = spanId()
    const reservation = ledger.reserve({ scope: { workflow: 'remote' }, worstCaseUnits: usd('0.5'), spanId: id })
    reservation.settle(usd('0.375'))
    await ledger.refresh()
    expect(ledger.decide({ workflow: 'remote' }).budget).toMatchObject({ settledUnits: usd('0.25'), unconfirmedUnits: usd('0.375') })
    await insertCalls(store, [{ spanId: id, workflow: 'remote', costUsd: '0.375', atMs: clock.now() }])
    await ledger.refresh()
    expect(ledger.decide({ workflow: 'remote' }).budget).toMatchObject({ settledUnits: usd('0.625'), unconfirmedUnits: 0n })

    server.closeAllConnections()
    server.close()
    clock.advance(1_000)
    await ledger.refresh()
    expect(ledger.stats().refreshFailures).toBe(1)
    expect(ledger.decide({ workflow: 'remote' }).action).toBe('allow')
    clock.advance(2_001)
    expect(ledger.decide({ workflow: 'remote' }).error).toMatchObject({ reason: 'store_unavailable', spentUnits: usd('0.625') })
  })
})

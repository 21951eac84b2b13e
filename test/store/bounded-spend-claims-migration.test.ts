import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleSpendRequest } from '../../src/budget/spend-request-handler.js'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { handleReportRequest } from '../../src/report/handle-report-request.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { loadPriceRows } from '../../src/store/load-price-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { migrations } from '../../src/store/migrations/migrations.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { hex, jsonLines, modelCallRow } from './store-suite.js'

const directory = makeTempDirectory('bounded-spend-claims')
let store: Store

const now = Math.floor(Date.now() / 60_000) * 60_000
// Three hours ago: a 24-hour /v1/spend reads these calls from the rollups.
const callSeconds = (now - 3 * 3_600_000) / 1000 + 10
const nearLimit = '99999999999999999999999999'

/** Rows that spans wrote while the store was at version 4, whose view took every cost as written. */
const oldRows = [
  modelCallRow({ workflow: 'old-negative', cost: '5', seconds: callSeconds }),
  modelCallRow({ workflow: 'old-negative', cost: '-4.99', seconds: callSeconds }),
  modelCallRow({ workflow: 'old-overflow', cost: nearLimit, seconds: callSeconds }),
  modelCallRow({ workflow: 'old-overflow', cost: nearLimit, seconds: callSeconds }),
  modelCallRow({ workflow: 'old-overflow', cost: '-1000', seconds: callSeconds }),
  modelCallRow({ workflow: 'old-overflow', cost: '1', seconds: callSeconds }),
  modelCallRow({ workflow: 'old-tokens', cost: '1', seconds: callSeconds, attributes: { 'gen_ai.usage.input_tokens': '18446744073709551615' } }),
]

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store, migrations: migrations.slice(0, 4) })
  await loadPriceRows({ store, table: createPriceTable() })
  await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(oldRows), deduplicationToken: `old-${hex(4)}` })
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return result.json<T>()
}

interface Totals {
  workflow: string
  cost: string
  inputTokens: string
  calls: string
}

/** Per workflow, the cost, input tokens and calls each table holds. */
async function totals(table: 'llm_spend_minute' | 'llm_spend_hour' | 'llm_calls'): Promise<Totals[]> {
  const calls = table === 'llm_calls' ? 'count()' : 'sum(Calls)'
  return rows<Totals>(`SELECT Workflow AS workflow, toString(sum(CostUsd)) AS cost, toString(sum(InputTokens)) AS inputTokens, toString(${calls}) AS calls
    FROM ${table} WHERE startsWith(Workflow, 'old-') GROUP BY Workflow ORDER BY Workflow`)
}

function spend(workflow: string) {
  return handleSpendRequest({ store, searchParams: new URLSearchParams({ workflow, window: '24h' }), now: () => now })
}

async function reportTotal(workflow: string): Promise<{ status: number; costUsd?: string; inputTokens?: number }> {
  const answer = await handleReportRequest({ store, searchParams: new URLSearchParams({ workflow, since: '24h' }), now: new Date(now) })
  const total = answer.status === 200 ? (JSON.parse(answer.body) as { total: { costUsd: string; inputTokens: number } }).total : undefined
  return { status: answer.status, costUsd: total?.costUsd, inputTokens: total?.inputTokens }
}

// Each old call had 1,200 input tokens but old-tokens' one, which claimed 2^64 - 1.
const repaired: Totals[] = [
  { workflow: 'old-negative', cost: '5', inputTokens: '2400', calls: '2' },
  { workflow: 'old-overflow', cost: '1', inputTokens: '4800', calls: '4' },
  { workflow: 'old-tokens', cost: '1', inputTokens: '0', calls: '1' },
]

describe('migration 5 on a store whose earlier views took costs as written', () => {
  it('starts from the fault: -4.99 beside 5 reads as 0.01, and an overflowing total makes /v1/spend fail', async () => {
    expect((await spend('old-negative')).body).toMatchObject({ spentUsd: '0.01' })
    expect((await spend('old-overflow')).status).toBe(503)
  })

  it('repairs the rows and takes their share back from the rollups once, even when interrupted before the row repair and run again', async () => {
    // The first run stops after taking the bad rows' share back from the rollups ...
    const [dropView, createView, minuteRepair, hourRepair] = migrations[4]!.statements
    for (const statement of [dropView!, createView!, minuteRepair!, hourRepair!]) await store.client.command({ query: statement })
    // ... and the next start runs the whole migration again.
    expect(await migrate({ store })).toMatchObject({ from: 4, applied: migrations.slice(4).map((migration) => migration.version) })
    expect(await totals('llm_calls')).toEqual(repaired)
    expect(await totals('llm_spend_minute')).toEqual(repaired)
    expect(await totals('llm_spend_hour')).toEqual(repaired)
    // What the spans claimed stays in otel_traces; the repaired rows say they are not priced.
    expect(await rows("SELECT toString(CostUsd) AS cost, CostSource AS source, PriceVersion AS version FROM llm_calls WHERE Workflow = 'old-negative' ORDER BY CostUsd"))
      .toEqual([{ cost: '0', source: 'unknown', version: '' }, { cost: '5', source: 'catalog', version: '' }])

    expect(await spend('old-negative')).toMatchObject({ status: 200, body: { spentUsd: '5' } })
    expect(await spend('old-overflow')).toMatchObject({ status: 200, body: { spentUsd: '1' } })
    expect(await reportTotal('old-overflow')).toEqual({ status: 200, costUsd: '1', inputTokens: 4800 })
    expect(await reportTotal('old-tokens')).toEqual({ status: 200, costUsd: '1', inputTokens: 0 })
  })

  it('changes nothing when its repair runs again on a repaired store', async () => {
    const repair = migrations[4]!.statements.slice(2)
    for (const statement of repair) await store.client.command({ query: statement })
    expect(await totals('llm_spend_minute')).toEqual(repaired)
    expect(await totals('llm_spend_hour')).toEqual(repaired)
    expect(await totals('llm_calls')).toEqual(repaired)
  })

  it('leaves every released migration as the stores that ran it saw it', () => {
    // A store records only a version number: a changed statement would silently differ
    // between stores migrated before and after the change. Add a migration instead.
    const digests = migrations.slice(0, 5).map((migration) => createHash('sha256').update(JSON.stringify(migration.statements)).digest('hex').slice(0, 16))
    expect(digests).toEqual(releasedDigests)
  })
})

/** sha256 (first 16 hex digits) of each released migration's statements, in order. */
const releasedDigests = ['cbfab54ffe4e115f', 'd953b32c06696ce5', '433dab365656a920', '09c957b691b26936', '881028dede8089c9']

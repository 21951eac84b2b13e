import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { handleSpendRequest } from '../../src/budget/spend-request-handler.js'
import { handleReportRequest } from '../../src/report/handle-report-request.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

/*
 * A store that cannot answer: the real engine, never migrated, so every spend and
 * report query fails with ClickHouse's own UNKNOWN_TABLE error. Its message repeats
 * the statement with the bound values substituted ("... in scope SELECT ... WHERE
 * Workflow = 'the value' ..."): the HTTP answer must say only that the store failed
 * and what to do, and the log must name the failure without the statement.
 */
const directory = makeTempDirectory('store-failure')
const marker = 'tenant-7f3a-private-workflow-name'
let store: Store
let logged: string[]

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})
beforeEach(() => {
  logged = []
  const record = (message: string): void => {
    logged.push(message)
  }
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record }
  diag.setLogger(logger, DiagLogLevel.WARN)
})
afterEach(() => {
  diag.disable()
})

describe('a store that fails', () => {
  it('makes /v1/spend answer 503 naming the store and what to do, and log the failure without the statement', async () => {
    const answer = await handleSpendRequest({ store, searchParams: new URLSearchParams({ workflow: marker, window: '1h' }) })
    expect(answer).toEqual({
      status: 503,
      body: { error: 'the store did not answer the spend query (the collector logged why): retry later, and check the store with GET /readyz' },
    })
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/^switchyard: \/v1\/spend: the spend query failed on the store chdb:\/\/.*: UNKNOWN_TABLE \(code 60\): Unknown table expression identifier 'llm_calls' \(statement left out\)$/)
    expect(logged[0]).not.toContain(marker)
  })

  it('makes /v1/report answer 503 naming the store and what to do, and log the failure without the statement', async () => {
    const answer = await handleReportRequest({ store, searchParams: new URLSearchParams({ since: '1h', workflow: marker }) })
    expect(answer.status).toBe(503)
    expect(answer.contentType).toMatch(/^application\/json/)
    expect(JSON.parse(answer.body)).toEqual({ error: 'the store did not answer the report query (the collector logged why): retry later, and check the store with GET /readyz' })
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/^switchyard: \/v1\/report: the report query failed on the store chdb:\/\/.*: UNKNOWN_TABLE \(code 60\): .*llm_calls.* \(statement left out\)$/)
    expect(logged[0]).not.toContain(marker)
  })
})

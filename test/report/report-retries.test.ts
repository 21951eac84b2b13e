import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import type { ReportFigures } from '../../src/report/report-schema.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { migrate } from '../../src/store/migrate.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { insertRows } from './report-fixture.js'
import { workflowRunRows, type AttemptSpec, type RunSpec } from './workflow-span-rows.js'

/*
 * Routed requests with several attempts, each under its own `route strong` span:
 *
 * run q1, step draft:  A  sonnet x, sonnet          attempt 2 retry
 *                      B  sonnet x, gpt             attempt 2 fallback
 * run q1, step review: C  gpt x, gpt x, mini        attempt 2 retry, attempt 3 fallback
 *                      D  mini                      (route cheap, one attempt)
 *                      E  sonnet x, gpt x, sonnet   attempt 2 fallback, attempt 3 back on attempt 1's target: a change of target, fallback
 * run q1, step polish: G  sonnet x, gpt x, gpt      attempt 2 fallback, attempt 3 on the target it fell back to: retry
 * run q2, step draft:  F  sonnet x, gpt             attempt 1 starts 300 ms before `from`
 *
 * A fallback is a change of target from the attempt before; a retry stays on it.
 * A, B, C, E and G share trace, route name and (A with B, C with E) step: only the parent
 * route span tells their attempts apart.
 */
const directory = makeTempDirectory('report-retries')
const baseMs = Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000
const from = new Date(baseMs)
const to = new Date(baseMs + 60_000)
let store: Store

const sonnet = { provider: 'anthropic', model: 'claude-sonnet-4' }
const gpt = { provider: 'openai', model: 'gpt-4.1' }
const mini = { provider: 'openai', model: 'gpt-4.1-mini' }
const failed = (target: { provider: string; model: string }, durationMs = 100): AttemptSpec => ({ ...target, durationMs, errorType: 'rate_limited' })
const answered = (target: { provider: string; model: string }): AttemptSpec => ({ ...target, durationMs: 200, costUsd: '0.001', inputTokens: 10, outputTokens: 5 })

const runs: RunSpec[] = [
  {
    workflow: 'retries', runId: 'q1', startMs: baseMs + 10_000, durationMs: 10_000,
    steps: [
      {
        name: 'draft', offsetMs: 0, durationMs: 5_000, requests: [
          { route: 'strong', offsetMs: 10, attempts: [failed(sonnet), answered(sonnet)] },
          { route: 'strong', offsetMs: 1_000, attempts: [failed(sonnet), answered(gpt)] },
        ],
      },
      {
        name: 'review', offsetMs: 5_000, durationMs: 5_000, requests: [
          { route: 'strong', offsetMs: 10, attempts: [failed(gpt), failed(gpt), answered(mini)] },
          { route: 'cheap', offsetMs: 1_000, attempts: [answered(mini)] },
          { route: 'strong', offsetMs: 2_000, attempts: [failed(sonnet), failed(gpt), answered(sonnet)] },
        ],
      },
      { name: 'polish', offsetMs: 9_000, durationMs: 1_000, requests: [{ route: 'strong', offsetMs: 10, attempts: [failed(sonnet), failed(gpt), answered(gpt)] }] },
    ],
  },
  {
    workflow: 'retries', runId: 'q2', startMs: baseMs - 300, durationMs: 2_000,
    steps: [{ name: 'draft', offsetMs: 0, durationMs: 2_000, requests: [{ route: 'strong', offsetMs: 0, attempts: [failed(sonnet, 1_000), answered(gpt)] }] }],
  },
]

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store })
  await insertRows(store, runs.flatMap((run) => workflowRunRows(run)), 'report-retries')
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})

/** Retries and fallbacks as counts: the report gives them as shares of the calls. */
function attempts(figures: ReportFigures | undefined): { calls: number; retries: number; fallbacks: number } {
  expect(figures).toBeDefined()
  const calls = figures?.calls ?? 0
  return { calls, retries: Math.round((figures?.retryRate ?? 0) * calls), fallbacks: Math.round((figures?.fallbackRate ?? 0) * calls) }
}

describe('retries and fallbacks in the report', () => {
  it('tells retries from fallbacks request by request, when several routed requests share a trace, a route and a step', async () => {
    const report = await buildReport({ store, from, to, by: ['step'] })
    const step = (name: string): ReportFigures | undefined => report.rows.find((row) => row.group.step === name)
    // draft: A2 retry, B2 fallback, F2 retry (its attempt 1 is outside the window)
    expect(attempts(step('draft'))).toEqual({ calls: 5, retries: 2, fallbacks: 1 })
    // review: C2 retry, C3 fallback, E2 fallback, E3 fallback (back to sonnet from gpt)
    expect(attempts(step('review'))).toEqual({ calls: 7, retries: 1, fallbacks: 3 })
    // polish: G2 fallback, G3 a retry on gpt, the target G fell back to
    expect(attempts(step('polish'))).toEqual({ calls: 3, retries: 1, fallbacks: 1 })
    expect(attempts(report.total)).toEqual({ calls: 15, retries: 4, fallbacks: 5 })
  })

  it('counts each later attempt on the target it landed on', async () => {
    const report = await buildReport({ store, from, to, by: ['provider', 'model'] })
    const target = (model: string): ReportFigures | undefined => report.rows.find((row) => row.group.model === model)
    expect(attempts(target('claude-sonnet-4'))).toEqual({ calls: 6, retries: 1, fallbacks: 1 }) // A2; E3
    expect(attempts(target('gpt-4.1'))).toEqual({ calls: 7, retries: 3, fallbacks: 3 }) // C2, F2, G3; B2, E2, G2
    expect(attempts(target('gpt-4.1-mini'))).toEqual({ calls: 2, retries: 0, fallbacks: 1 }) // C3
  })

  it('counts a later attempt whose attempt 1 is outside the window as a retry, and as a fallback once the window holds attempt 1', async () => {
    const narrow = await buildReport({ store, from, to, by: ['workflow'], workflow: 'retries' })
    expect(attempts(narrow.rows[0])).toEqual({ calls: 15, retries: 4, fallbacks: 5 })
    const wide = await buildReport({ store, from: new Date(baseMs - 60_000), to, by: ['workflow'], workflow: 'retries' })
    expect(attempts(wide.rows[0])).toEqual({ calls: 16, retries: 3, fallbacks: 6 })
    expect(attempts(wide.total)).toEqual({ calls: 16, retries: 3, fallbacks: 6 })
  })

  it('gives zero retries and fallbacks to a group whose calls all succeeded first time', async () => {
    const report = await buildReport({ store, from, to, by: ['route'] })
    const cheap = report.rows.find((row) => row.group.route === 'cheap')
    expect(attempts(cheap)).toEqual({ calls: 1, retries: 0, fallbacks: 0 })
  })
})

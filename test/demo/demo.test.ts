import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runDemo } from '../../src/demo/run-demo.js'
import { createStore } from '../../src/store/create-store.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('demo')
afterAll(() => directory.remove())

describe('npm run demo', () => {
  it('finishes and leaves workflows, fallbacks and a budget block in the store', async () => {
    const lines: string[] = []
    const summary = await runDemo({ directory: directory.path, write: (line) => lines.push(line) })
    const output = lines.join('\n')
    expect(output).toMatch(/switchyard report .* by workflow, step/)
    expect(output).toMatch(/switchyard critical path {2}workflow support-triage/)
    expect(summary.fallbacks).toBeGreaterThan(0)
    expect(summary.budgetBlocks).toBeGreaterThan(0)
    expect(summary.breakerOpened).toBe(true)

    const store = await createStore({ url: `chdb://${path.join(directory.path, 'data')}` })
    try {
      const query = async <T>(sql: string): Promise<T[]> => (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<T>()
      const workflows = await query<{ Workflow: string }>('SELECT DISTINCT Workflow FROM llm_calls ORDER BY Workflow')
      expect(workflows.map((row) => row.Workflow)).toEqual(['coding-assistant', 'support-triage'])
      const [fallbacks] = await query<{ count: string }>(
        "SELECT toString(count()) AS count FROM llm_calls WHERE Attempt >= 2 AND Route = 'plan' AND Provider = 'openai'")
      expect(Number(fallbacks?.count)).toBeGreaterThan(0)
      const [blocks] = await query<{ count: string }>(
        "SELECT toString(count()) AS count FROM otel_traces WHERE SpanName LIKE 'route %' AND SpanAttributes['switchyard.budget.action'] = 'block' AND StatusCode = 'Error'")
      expect(Number(blocks?.count)).toBe(summary.budgetBlocks)
      const actions = await query<{ BudgetAction: string }>("SELECT DISTINCT BudgetAction FROM llm_calls WHERE BudgetAction != '' ORDER BY BudgetAction")
      expect(actions.map((row) => row.BudgetAction)).toEqual(expect.arrayContaining(['downgrade', 'warn']))
      // Every answered call is priced from the catalog (a call that failed before any usage has no cost to source).
      const [costs] = await query<{ unknown: string }>("SELECT toString(countIf(CostSource = 'unknown')) AS unknown FROM llm_calls WHERE StatusCode != 'Error'")
      expect(costs?.unknown).toBe('0')
    } finally {
      await store.close()
    }
  }, 120_000)
})

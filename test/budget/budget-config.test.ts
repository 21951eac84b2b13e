import { describe, expect, it } from 'vitest'
import { isBudgetConfigError } from '../../src/budget/budget-config-error.js'
import { budgetConfigSchema } from '../../src/budget/budget-config.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import { isRouterConfigError } from '../../src/router/router-config-error.js'
import { parseRouterConfig } from '../../src/router/parse-router-config.js'

function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run()
  } catch (error) {
    if (isBudgetConfigError(error) || isRouterConfigError(error)) return [...error.issues]
    throw error
  }
  throw new Error('expected the config to be refused')
}

describe('budget config', () => {
  it('fills in defaults and parses the limit exactly into pico-USD', () => {
    const [budget] = parseBudgets([{ name: 'triage-hourly', match: { workflow: 'support-triage' }, window: '1h', limitUsd: 0.1 }])
    expect(budget).toEqual({
      name: 'triage-hourly',
      match: { workflow: 'support-triage' },
      window: '1h',
      limitUsd: '0.1',
      limitUnits: 100_000_000_000n,
      actions: [{ at: 1, do: 'block' }],
      onStoreUnavailable: 'allow',
      maxStalenessMs: 60_000,
      stopStreamAtLimit: false,
    })
    expect(budgetConfigSchema.parse({ name: 'b', window: '7d', limitUsd: '50.000000000001' }).limitUnits).toBe(50_000_000_000_001n)
  })

  it('takes calendar windows with a time zone, UTC by default', () => {
    const [day, month] = parseBudgets([
      { name: 'daily', window: { calendar: 'day', timeZone: 'Asia/Kolkata' }, limitUsd: 5 },
      { name: 'monthly', window: { calendar: 'month' }, limitUsd: 100 },
    ])
    expect(day?.window).toEqual({ calendar: 'day', timeZone: 'Asia/Kolkata' })
    expect(month?.window).toEqual({ calendar: 'month', timeZone: 'UTC' })
  })

  it('names every bad field by its dotted path', () => {
    const issues = issuesOf(() => parseBudgets([
      { name: 'ok', window: '1h', limitUsd: 1 },
      {
        name: 'bad',
        match: { workflw: 'x' },
        window: { calendar: 'day', timeZone: 'Mars/Olympus' },
        limitUsd: 0.0000000000001,
        actions: [{ at: 0.8, do: 'shout' }],
        onStoreUnavailable: 'maybe',
      },
      { name: 'ok', window: '2h', limitUsd: '-1' },
    ]))
    const paths = issues.map((issue) => issue.path)
    expect(paths).toEqual(expect.arrayContaining([
      'budgets[1].match.workflw',
      'budgets[1].window.timeZone',
      'budgets[1].limitUsd',
      'budgets[1].actions[0].do',
      'budgets[1].onStoreUnavailable',
      'budgets[2].window',
      'budgets[2].limitUsd',
    ]))
    expect(issues.find((issue) => issue.path === 'budgets[1].match.workflw')?.message).toMatch(/workflow, step, provider, model or tag/)
    expect(issues.find((issue) => issue.path === 'budgets[1].window.timeZone')?.message).toMatch(/IANA time zone/)
  })

  it('refuses a match with more tag keys than a /v1/spend request may carry (16), naming the match by its path', () => {
    const tags = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, index) => [`tag.key${index}`, 'x']))
    const [sixteen] = parseBudgets([{ name: 'sixteen', match: { workflow: 'w', ...tags(16) }, window: '1h', limitUsd: 1 }])
    expect(Object.keys(sixteen?.match ?? {})).toHaveLength(17)

    const issues = issuesOf(() => parseBudgets([
      { name: 'sixteen', match: { workflow: 'w', ...tags(16) }, window: '1h', limitUsd: 1 },
      { name: 'seventeen', match: { workflow: 'w', ...tags(17) }, window: '1h', limitUsd: 1 },
    ]))
    expect(issues).toEqual([{ path: 'budgets[1].match', message: 'has 17 tag.<key> conditions; a match takes at most 16' }])
  })

  it('refuses two budgets with one name', () => {
    const issues = issuesOf(() => parseBudgets([
      { name: 'same', window: '1h', limitUsd: 1 },
      { name: 'same', window: '24h', limitUsd: 2 },
    ]))
    expect(issues).toEqual([{ path: 'budgets[1].name', message: expect.stringMatching(/repeats the name of budgets\[0\]/) }])
  })

  it('is validated as part of the router config, with the same paths', () => {
    const issues = issuesOf(() => parseRouterConfig({
      providers: { openai: { type: 'openai', apiKey: 'sk-test' } },
      budgets: [{ name: 'b', window: '1h', limitUsd: 1, actions: [{ at: 0.9, do: { downgrade: '' } }] }],
    }))
    expect(issues.map((issue) => issue.path)).toEqual(['budgets[0].actions[0].do.downgrade'])
    const config = parseRouterConfig({
      providers: { openai: { type: 'openai', apiKey: 'sk-test' } },
      budgets: [{ name: 'b', window: '1h', limitUsd: 50 }],
    })
    expect(config.budgets[0]?.limitUnits).toBe(50_000_000_000_000n)
  })
})

import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runBudgetsCommand } from '../../src/cli/budgets-command.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { insertCalls, openBudgetStore } from './budget-test-store.js'

const files = makeTempDirectory('budgets-command')
let storeUrl: string
let removeStore: () => void

beforeAll(async () => {
  const opened = await openBudgetStore('budgets-command-store')
  storeUrl = opened.url
  const nowMs = Date.now()
  await insertCalls(opened.store, [
    { workflow: 'support-triage', costUsd: '10', atMs: nowMs - 30 * 60_000 },
    { workflow: 'support-triage', costUsd: '2.5', atMs: nowMs - 5 * 60_000 },
    { workflow: 'research', costUsd: '0.000000000001', atMs: nowMs - 60_000 },
  ])
  // The CLI opens the store itself; one process may hold a chdb directory once.
  await opened.store.close()
  removeStore = opened.remove
})
afterAll(() => {
  removeStore?.()
  files.remove()
})

async function run(argv: string[]): Promise<{ code: number; output: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  try {
    const code = await runBudgetsCommand(argv)
    return { code, output: log.mock.calls.map((call) => call.join(' ')).join('\n') }
  } finally {
    log.mockRestore()
  }
}

const budgets = [
  { name: 'triage-hourly', match: { workflow: 'support-triage' }, window: '1h', limitUsd: 50 },
  { name: 'research-daily', match: { workflow: 'research' }, window: { calendar: 'day', timeZone: 'Asia/Kolkata' }, limitUsd: '0.5' },
]

describe('switchyard budgets', () => {
  it('prints each budget with exact figures as JSON', async () => {
    const config = path.join(files.path, 'router.json')
    writeFileSync(config, JSON.stringify({ store: storeUrl, budgets }))
    const { code, output } = await run(['--config', config, '--format', 'json'])
    expect(code).toBe(0)
    const [triage, research] = JSON.parse(output) as Record<string, unknown>[]
    expect(triage).toMatchObject({
      name: 'triage-hourly',
      window: '1h',
      spentUsd: '12.5',
      reservedUsd: '0',
      limitUsd: '50',
      share: 0.25,
      burnRate: { usdPerHour: '12.5', basis: 'last hour' },
      stale: false,
      error: null,
    })
    // $37.50 left at $12.50 an hour: three hours from now.
    const runsOutInMs = Date.parse(String(triage?.runsOutAt)) - Date.now()
    expect(Math.abs(runsOutInMs - 3 * 3_600_000)).toBeLessThan(60_000)
    expect(research).toMatchObject({ name: 'research-daily', spentUsd: '0.000000000001', window: { calendar: 'day', timeZone: 'Asia/Kolkata' } })
  })

  it('prints an aligned table, reading budgets from an ES module', async () => {
    const config = path.join(files.path, 'budgets.mjs')
    writeFileSync(config, `export const budgets = ${JSON.stringify(budgets)}\n`)
    const { code, output } = await run(['--config', config, '--store', storeUrl])
    expect(code).toBe(0)
    const lines = output.split('\n')
    expect(lines[0]).toMatch(/^budget\s+window\s+spent\s+reserved\s+limit\s+used\s+burn rate\s+runs out$/)
    expect(lines[1]).toMatch(/^triage-hourly\s+rolling 1h\s+\$12\.5\s+\$0\s+\$50\s+25\.0%\s+\$12\.5\/h \(last hour\)\s+\S+Z \(in 3h 0m\)$/)
    expect(lines[2]).toMatch(/^research-daily\s+calendar day \(Asia\/Kolkata\)\s+\$0\.000000000001\s+\$0\s+\$0\.5\s+0\.0%/)
    // Columns line up: every row starts its "window" cell where the header does.
    const column = lines[0]?.indexOf('window')
    expect(lines.slice(1).every((line) => line.indexOf('rolling') === column || line.indexOf('calendar') === column)).toBe(true)
  })

  it('names the bad field of a bad budget', async () => {
    const config = path.join(files.path, 'bad.json')
    writeFileSync(config, JSON.stringify([{ name: 'x', window: '2h', limitUsd: 1 }]))
    await expect(run(['--config', config, '--store', storeUrl])).rejects.toThrow(/budgets\[0\]\.window: window must be/)
    await expect(run(['--config', path.join(files.path, 'missing.json')])).rejects.toThrow(/Cannot load switchyard config .*missing\.json/)
    await expect(run(['--config', config, '--format', 'yaml'])).rejects.toThrow(/--format must be table or json/)
  })
})

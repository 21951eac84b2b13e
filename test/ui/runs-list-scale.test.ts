import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { listRuns } from '../../src/ui/list-runs.js'
import type { RunsFilter } from '../../src/ui/ui-parameters.js'
import { jsonLines, workflowRunRows, type RunSpec } from '../report/workflow-span-rows.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('ui-runs-scale')
let store: Store
const runCount = 5_000
const baseMs = Math.floor(Date.now() / 1000) * 1000 - 20 * 3_600_000

/** Every fifth run went through workflow(); the others only through the gateway (no workflow or step span). */
function scaleRun(index: number): Record<string, unknown>[] {
  const spec: RunSpec = {
    workflow: index % 2 === 0 ? 'even-agent' : 'odd-agent',
    runId: `scale-${String(index).padStart(5, '0')}`,
    startMs: baseMs + index * 10_000,
    durationMs: 2_000,
    tags: { tenant: `tenant-${index % 10}` },
    steps: [
      { name: 'plan', offsetMs: 0, durationMs: 800, requests: [{ route: 'smart', offsetMs: 10, attempts: [{ provider: 'openai', model: 'gpt-4.1', costUsd: '0.001', inputTokens: 10, outputTokens: 5, durationMs: 500 }] }] },
      {
        name: 'act', offsetMs: 900, durationMs: 1_000, requests: [{
          route: 'smart', offsetMs: 10, attempts: [
            { provider: 'openai', model: 'gpt-4.1', durationMs: 100, errorType: 'timeout' },
            { provider: 'anthropic', model: 'claude-sonnet-4', costUsd: '0.002', inputTokens: 10, outputTokens: 5, durationMs: 500 },
          ],
        }],
      },
    ],
  }
  const rows = workflowRunRows(spec)
  if (index % 5 === 0) return rows
  return rows.filter((row) => !String(row.SpanName).startsWith('invoke_workflow ') && !String(row.SpanName).startsWith('step '))
}

function filter(more: Partial<RunsFilter> = {}): RunsFilter {
  return { window: { name: '24h', from: new Date(baseMs - 60_000), to: new Date(baseMs + 24 * 3_600_000) }, limit: 200, ...more }
}

async function timed(label: string, more: Partial<RunsFilter>): Promise<Awaited<ReturnType<typeof listRuns>>> {
  const started = performance.now()
  const list = await listRuns({ store, filter: filter(more) })
  console.log(`listRuns over ${runCount} runs, ${label}: ${Math.round(performance.now() - started)} ms for ${list.runs.length} runs`)
  return list
}

beforeAll(async () => {
  store = await createStore({ url: `chdb://${directory.path}` })
  await migrate({ store })
  const batch = 1_000
  for (let start = 0; start < runCount; start += batch) {
    const rows = Array.from({ length: batch }, (_, offset) => scaleRun(start + offset)).flat()
    await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `ui-runs-scale-${start}` })
  }
}, 300_000)
afterAll(async () => {
  await store?.close()
  directory.remove()
})

describe('the runs list over a store of 5,000 runs', () => {
  it('returns the newest runs up to the limit and counts the rest, with or without a workflow span', async () => {
    await timed('first query (cold)', {})
    const list = await timed('limit 200', {})
    expect(list.runs.map((run) => run.runId)).toEqual(Array.from({ length: 200 }, (_, index) => `scale-${String(runCount - 1 - index).padStart(5, '0')}`))
    expect(list.omittedRuns).toBe(runCount - 200)
    for (const run of list.runs) {
      const index = Number(run.runId.slice('scale-'.length))
      expect(run.hasWorkflowSpan).toBe(index % 5 === 0)
      expect(run).toMatchObject({ calls: 3, costUsd: '0.003', errors: 1, retries: 0, fallbacks: 1 })
    }
    const full = await timed('limit 1000', { limit: 1_000 })
    expect(full.runs).toHaveLength(1_000)
    expect(full.omittedRuns).toBe(runCount - 1_000)
  }, 120_000)

  it('applies tag, workflow and status filters in the query before its limit', async () => {
    const tagged = await timed('tag tenant=tenant-3', { tag: { key: 'tenant', value: 'tenant-3' } })
    expect(tagged.runs).toHaveLength(200)
    expect(tagged.omittedRuns).toBe(runCount / 10 - 200)
    expect(tagged.runs.every((run) => Number(run.runId.slice('scale-'.length)) % 10 === 3)).toBe(true)
    const odd = await timed('workflow odd-agent, status ok', { workflow: 'odd-agent', status: 'ok' })
    // Every run has a failed attempt, so none is ok.
    expect(odd.runs).toEqual([])
    const failed = await timed('workflow odd-agent, status error', { workflow: 'odd-agent', status: 'error', limit: 10 })
    expect(failed.runs.every((run) => run.workflow === 'odd-agent')).toBe(true)
    expect(failed.omittedRuns).toBe(runCount / 2 - 10)
  }, 120_000)
})

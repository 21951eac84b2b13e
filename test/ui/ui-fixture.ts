import path from 'node:path'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import { runDemo } from '../../src/demo/run-demo.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { startUiServer, type UiServer } from '../../src/ui/start-ui-server.js'
import { jsonLines, workflowRunRows, type RunSpec } from '../report/workflow-span-rows.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

/** What a hostile caller put on its spans: markup and script in a workflow name, a tag and an attribute. */
export const hostile = {
  runId: 'hostile-run-1',
  workflow: '<img src=x onerror="window.__xss=1">',
  tag: '"><script>window.__xss=2</script>',
  attribute: '<script>window.__xss=3</script><b>bold</b>',
}

/** A run made through the gateway: no workflow or step span; two requests at once in `plan`, one in `act`. */
export const gatewayRun = { runId: 'gateway-run-1', workflow: 'gateway-agent' }

export interface UiFixture {
  store: Store
  server: UiServer
  close(): Promise<void>
}

/**
 * A real demo run into an embedded store, plus (optionally) `extraRuns` older
 * synthetic runs of a `load-test` workflow three hours back, plus one run whose
 * spans carry markup and one made through the gateway (gatewayRun); then the web view's own server on 127.0.0.1, port 0.
 */
export async function openUiFixture(options: { prefix: string; extraRuns?: number }): Promise<UiFixture> {
  const directory = makeTempDirectory(options.prefix)
  let store: Store | undefined
  try {
    await runDemo({ directory: directory.path, write: () => undefined })
    store = await createStore({ url: `chdb://${path.join(directory.path, 'data')}` })
    await insertRuns(store, syntheticRuns(options.extraRuns ?? 0))
    const server = await startUiServer({
      store,
      host: '127.0.0.1',
      port: 0,
      budgets: parseBudgets([{ name: 'all-spend-hourly', window: '1h', limitUsd: 2 }, { name: 'triage-daily', match: { workflow: 'support-triage' }, window: '24h', limitUsd: 0.5 }]),
    })
    const opened = store
    return {
      store: opened,
      server,
      async close() {
        await server.close()
        await opened.close()
        directory.remove()
      },
    }
  } catch (error) {
    await store?.close()
    directory.remove()
    throw error
  }
}

function syntheticRuns(count: number): RunSpec[] {
  const baseMs = Date.now() - 3 * 3_600_000
  const runs: RunSpec[] = Array.from({ length: count }, (_, index) => ({
    workflow: 'load-test',
    runId: `load-${index}`,
    startMs: baseMs + index * 1_000,
    durationMs: 400,
    tags: { tenant: 'load' },
    steps: [{ name: 'only', offsetMs: 0, durationMs: 400, requests: [{ route: 'cheap', offsetMs: 5, attempts: [{ provider: 'openai', model: 'gpt-4.1-mini', costUsd: '0.0001', inputTokens: 10, outputTokens: 5, durationMs: 300 }] }] }],
  }))
  runs.push({
    workflow: hostile.workflow,
    runId: hostile.runId,
    startMs: Date.now() - 2 * 3_600_000,
    durationMs: 500,
    tags: { tenant: hostile.tag },
    steps: [{ name: '<i>step</i>', offsetMs: 0, durationMs: 500, requests: [{ route: 'cheap', offsetMs: 5, attempts: [{ provider: 'openai', model: 'gpt-4.1-mini', costUsd: '0.0002', inputTokens: 10, outputTokens: 5, durationMs: 300 }] }] }],
  })
  runs.push({
    workflow: gatewayRun.workflow,
    runId: gatewayRun.runId,
    startMs: Date.now() - 2.5 * 3_600_000,
    durationMs: 1_000,
    tags: { tenant: 'gateway' },
    steps: [
      {
        name: 'plan', offsetMs: 0, durationMs: 500, requests: [
          { route: 'cheap', offsetMs: 0, attempts: [{ provider: 'openai', model: 'gpt-4.1-mini', costUsd: '0.0003', inputTokens: 30, outputTokens: 5, durationMs: 400 }] },
          { route: 'cheap', offsetMs: 100, attempts: [{ provider: 'openai', model: 'gpt-4.1-mini', costUsd: '0.0003', inputTokens: 30, outputTokens: 5, durationMs: 400 }] },
        ],
      },
      { name: 'act', offsetMs: 600, durationMs: 400, requests: [{ route: 'cheap', offsetMs: 0, attempts: [{ provider: 'openai', model: 'gpt-4.1-mini', costUsd: '0.0004', inputTokens: 40, outputTokens: 5, durationMs: 300 }] }] },
    ],
  })
  return runs
}

async function insertRuns(store: Store, runs: readonly RunSpec[]): Promise<void> {
  // The gateway writes no workflow or step span: its calls and routes carry the run id and step.
  const rows = runs.flatMap((run) => workflowRunRows(run))
    .filter((row) => (row.SpanAttributes as Record<string, string>)['switchyard.workflow.run_id'] !== gatewayRun.runId || !/^(invoke_workflow|step) /.test(String(row.SpanName)))
  for (const row of rows) {
    const attributes = row.SpanAttributes as Record<string, string>
    if (attributes['switchyard.workflow.run_id'] === hostile.runId && row.SpanKind === 'Client') attributes['gen_ai.response.id'] = hostile.attribute
  }
  await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: `ui-fixture-${Date.now()}` })
}

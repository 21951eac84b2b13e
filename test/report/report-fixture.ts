import type { Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { bareCallRow, jsonLines, workflowRunRows, type RunSpec } from './workflow-span-rows.js'

/**
 * A known set of spans whose report figures are worked out by hand in
 * report.test.ts. Base time: two hours ago, on a whole second.
 *
 * triage r1 (tenant acme):   classify  openai/gpt-4.1-mini   $0.001   150 ms  ttft 40
 *                            plan      anthropic/claude-sonnet-4  rate_limited  100 ms
 *                                      anthropic/claude-sonnet-4  $0.01  300 ms   (retry)
 *                            verify    openai/gpt-4.1-mini   $0.002   250 ms  ttft 60
 * triage r2 (tenant globex): classify  openai/gpt-4.1-mini   $0.001    90 ms  ttft 30
 *                            plan      anthropic/claude-sonnet-4  timeout  400 ms
 *                                      openai/gpt-4.1        $0.02    250 ms   (fallback)
 * coding r3 (tenant acme):   search    gcp.gemini/gemini-2.5-flash  $0.0005  450 ms
 *                            edit      openai/gpt-4.1        $0.03   1400 ms
 * no workflow:                         openai/gpt-4.1-mini   $0.0001   50 ms
 * fanout f1, f2: steps only (critical path), no model calls.
 * Three days earlier (outside every window used): one more triage run.
 */
export function reportFixture(baseMs: number): { rows: Record<string, unknown>[]; runs: RunSpec[] } {
  const mini = { provider: 'openai', model: 'gpt-4.1-mini' }
  const sonnet = { provider: 'anthropic', model: 'claude-sonnet-4' }
  const gpt = { provider: 'openai', model: 'gpt-4.1' }
  const runs: RunSpec[] = [
    {
      workflow: 'triage', runId: 'r1', startMs: baseMs, durationMs: 1000, tags: { tenant: 'acme' },
      steps: [
        { name: 'classify', offsetMs: 0, durationMs: 200, requests: [{ route: 'cheap', offsetMs: 10, attempts: [{ ...mini, costUsd: '0.001', inputTokens: 100, outputTokens: 10, durationMs: 150, ttftMs: 40 }] }] },
        {
          name: 'plan', offsetMs: 200, durationMs: 500, requests: [{
            route: 'strong', offsetMs: 10, attempts: [
              { ...sonnet, durationMs: 100, errorType: 'rate_limited' },
              { ...sonnet, costUsd: '0.01', inputTokens: 1000, outputTokens: 200, durationMs: 300 },
            ],
          }],
        },
        { name: 'verify', offsetMs: 700, durationMs: 300, requests: [{ route: 'cheap', offsetMs: 10, attempts: [{ ...mini, costUsd: '0.002', inputTokens: 200, outputTokens: 20, durationMs: 250, ttftMs: 60 }] }] },
      ],
    },
    {
      workflow: 'triage', runId: 'r2', startMs: baseMs + 10_000, durationMs: 800, tags: { tenant: 'globex' },
      steps: [
        { name: 'classify', offsetMs: 0, durationMs: 100, requests: [{ route: 'cheap', offsetMs: 5, attempts: [{ ...mini, costUsd: '0.001', inputTokens: 100, outputTokens: 10, durationMs: 90, ttftMs: 30 }] }] },
        {
          name: 'plan', offsetMs: 100, durationMs: 700, requests: [{
            route: 'strong', offsetMs: 10, attempts: [
              { ...sonnet, durationMs: 400, errorType: 'timeout' },
              { ...gpt, costUsd: '0.02', inputTokens: 1000, outputTokens: 300, durationMs: 250 },
            ],
          }],
        },
      ],
    },
    {
      workflow: 'coding', runId: 'r3', startMs: baseMs + 20_000, durationMs: 2000, tags: { tenant: 'acme' },
      steps: [
        { name: 'search', offsetMs: 0, durationMs: 500, requests: [{ offsetMs: 20, attempts: [{ provider: 'gcp.gemini', model: 'gemini-2.5-flash', costUsd: '0.0005', inputTokens: 5000, outputTokens: 50, durationMs: 450 }] }] },
        { name: 'edit', offsetMs: 500, durationMs: 1500, requests: [{ route: 'strong', offsetMs: 50, attempts: [{ ...gpt, costUsd: '0.03', inputTokens: 3000, outputTokens: 1000, durationMs: 1400 }] }] },
      ],
    },
    // Two parallel steps and a sequential one (see the critical-path test).
    {
      workflow: 'fanout', runId: 'f1', startMs: baseMs + 30_000, durationMs: 150,
      steps: [
        { name: 'search', offsetMs: 0, durationMs: 100 },
        { name: 'fetch', offsetMs: 0, durationMs: 60 },
        { name: 'answer', offsetMs: 100, durationMs: 50 },
      ],
    },
    {
      workflow: 'fanout', runId: 'f2', startMs: baseMs + 40_000, durationMs: 200,
      steps: [
        { name: 'search', offsetMs: 10, durationMs: 80 },
        { name: 'fetch', offsetMs: 10, durationMs: 110 },
        { name: 'answer', offsetMs: 130, durationMs: 60 },
      ],
    },
    {
      workflow: 'triage', runId: 'old', startMs: baseMs - 3 * 86_400_000, durationMs: 500, tags: { tenant: 'acme' },
      steps: [{ name: 'plan', offsetMs: 0, durationMs: 500, requests: [{ route: 'strong', offsetMs: 0, attempts: [{ ...sonnet, costUsd: '5', inputTokens: 9, outputTokens: 9, durationMs: 400 }] }] }],
    },
  ]
  const rows = [
    ...runs.flatMap((run) => workflowRunRows(run)),
    bareCallRow({ attempt: { ...mini, costUsd: '0.0001', inputTokens: 10, outputTokens: 1, durationMs: 50 }, startMs: baseMs + 50_000 }),
  ]
  return { rows, runs }
}

export async function insertRows(store: Store, rows: readonly Record<string, unknown>[], token: string): Promise<void> {
  await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: token })
}

import { randomBytes } from 'node:crypto'
import { createStore, type Store } from '../../src/store/create-store.js'
import { insertJsonRows } from '../../src/store/insert-json-rows.js'
import { migrate } from '../../src/store/migrate.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { jsonLines, modelCallRow } from '../store/store-suite.js'

/** A migrated embedded store in its own temp directory (one chdb directory per test process). */
export async function openBudgetStore(prefix: string): Promise<{ store: Store; url: string; close(): Promise<void>; remove(): void }> {
  const directory = makeTempDirectory(prefix)
  const url = `chdb://${directory.path}`
  const store = await createStore({ url })
  await migrate({ store })
  return {
    store,
    url,
    close: async () => {
      await store.close()
      directory.remove()
    },
    remove: () => directory.remove(),
  }
}

export function spanId(): string {
  return randomBytes(8).toString('hex')
}

export interface StoredCall {
  spanId?: string
  workflow?: string
  step?: string
  model?: string
  /** Exact decimal USD. */
  costUsd: string
  /** The span's start; whole seconds are kept. */
  atMs: number
  outputTokens?: number
  tags?: Record<string, string>
}

/** Insert model-call spans into otel_traces as the collector would; llm_calls and the rollups follow. */
export async function insertCalls(store: Store, calls: readonly StoredCall[]): Promise<void> {
  const rows = calls.map((call) => modelCallRow({
    spanId: call.spanId ?? spanId(),
    workflow: call.workflow ?? 'support-triage',
    step: call.step ?? 'classify',
    cost: call.costUsd,
    seconds: Math.floor(call.atMs / 1000),
    tags: call.tags,
    attributes: {
      ...(call.model === undefined ? {} : { 'gen_ai.request.model': call.model, 'gen_ai.response.model': call.model }),
      ...(call.outputTokens === undefined ? {} : { 'gen_ai.usage.output_tokens': String(call.outputTokens) }),
    },
  }))
  await insertJsonRows({ store, table: 'otel_traces', body: jsonLines(rows), deduplicationToken: randomBytes(8).toString('hex') })
}

/** Sum of CostUsd in llm_calls for a workflow, as pico-USD. */
export async function storedSpendUnits(store: Store, workflow: string): Promise<bigint> {
  const result = await store.client.query({
    query: 'SELECT toString(sum(CostUsd)) AS cost, toString(count()) AS calls FROM llm_calls WHERE Workflow = {workflow:String}',
    query_params: { workflow },
    format: 'JSONEachRow',
  })
  const [row] = await result.json<{ cost: string; calls: string }>()
  const [whole = '0', fraction = ''] = (row?.cost ?? '0').split('.')
  return BigInt(whole) * 10n ** 12n + BigInt(fraction.padEnd(12, '0').slice(0, 12))
}

/** A clock the test moves by hand. */
export function manualClock(startMs: number): { now: () => number; set(ms: number): void; advance(ms: number): void } {
  let time = startMs
  return {
    now: () => time,
    set: (ms) => {
      time = ms
    },
    advance: (ms) => {
      time += ms
    },
  }
}

/** pico-USD of a decimal USD string. */
export function usd(text: string): bigint {
  const [whole = '0', fraction = ''] = text.split('.')
  return BigInt(whole) * 10n ** 12n + BigInt(fraction.padEnd(12, '0'))
}

import { createRouter, type Router } from '../../src/router/create-router.js'
import { step, workflow } from '../../src/telemetry/workflow-context.js'
import { benchBudgetInputs } from './bench-budgets.js'
import { benchMaxTokens, benchMessages, benchModel } from './bench-request.js'
import { staticSpendSource } from './static-spend-source.js'

export interface BenchRouter {
  router: Router
  chat(): Promise<string>
  stream(): Promise<string>
  close(): Promise<void>
}

/**
 * createRouter over the bench upstream with everything a production set-up has on:
 * a route, pricing (always on), and the budgets of bench-budgets.ts in its config,
 * 4 of them matching each call (their spend source answers with full windows of
 * buckets; see static-spend-source.ts). Telemetry is whatever the process registered.
 */
export async function createBenchRouter(upstreamUrl: string, options: { budgets?: boolean } = {}): Promise<BenchRouter> {
  const router = createRouter({
    providers: { upstream: { type: 'openai', baseURL: `${upstreamUrl}/v1`, apiKey: 'bench-key' } },
    routes: { bench: { targets: [{ provider: 'upstream', model: benchModel }] } },
    budgets: options.budgets === false ? [] : benchBudgetInputs,
  }, { spendSource: staticSpendSource() })
  await router.ready()
  const ready = router
  return {
    router: ready,
    async chat() {
      const result = await ready.chat({ route: 'bench', messages: benchMessages, maxTokens: benchMaxTokens })
      return result.text
    },
    async stream() {
      const stream = ready.stream({ route: 'bench', messages: benchMessages, maxTokens: benchMaxTokens })
      let text = ''
      for await (const chunk of stream) if (chunk.type === 'text-delta') text += chunk.text
      await stream.result
      return text
    },
    async close() {
      await ready.close()
    },
  }
}

/** Run `fn` as workflow `bench` (tenant `acme`), step `answer`: the scope every budget and span sees. */
export function inBenchWorkflow<T>(fn: () => Promise<T>): Promise<T> {
  return workflow('bench', { tags: { tenant: 'acme' } }, () => step('answer', fn))
}

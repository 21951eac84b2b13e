import type { Store } from '../../src/store/create-store.js'

/**
 * How many spans of a workflow are in `otel_traces`, how many distinct, and how
 * many of the given acknowledged ids are among them. The ids are compared here,
 * not sent as a query parameter: thousands of them would not fit in a URL.
 */
export async function countStoredSpans(store: Store, workflow: string, acknowledged: string[]): Promise<{ total: number; unique: number; acknowledged: number }> {
  const result = await store.client.query({
    query: "SELECT SpanId FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String}",
    query_params: { workflow },
    format: 'JSONCompactEachRow',
  })
  const stored = (await result.json<[string]>()).map(([spanId]) => spanId)
  const unique = new Set(stored)
  return { total: stored.length, unique: unique.size, acknowledged: acknowledged.filter((spanId) => unique.has(spanId)).length }
}

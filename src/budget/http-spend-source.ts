import { z } from 'zod'
import { parseUsd } from '../pricing/parse-usd.js'
import type { SpendQuery, SpendSnapshot, SpendSource } from './spend-source.js'

/** Span ids per request, as many as the store is asked about (a ~190 KB form body). */
const maxSpanIds = 10_000

/** Lenient: only the fields the ledger reads. */
const responseSchema = z.object({
  buckets: z.array(z.object({ start: z.string(), seconds: z.number(), costUsd: z.string() })),
  seenSpanIds: z.array(z.string()).default([]),
})

/**
 * Reads spend from a collector's `/v1/spend` (spend-request-handler.ts), sending the
 * parameters as a form body (`POST`) because span ids do not fit in a URL, for
 * routers whose store is the collector's embedded engine: only one process can own
 * a chdb data directory, so the others ask the one that does.
 */
export function createHttpSpendSource(options: { url: string; timeoutMs?: number }): SpendSource {
  const base = new URL(options.url)
  const timeoutMs = options.timeoutMs ?? 5_000
  return {
    description: `collector ${base.origin}`,
    maxSpanIds,
    async fetchSpend(query: SpendQuery): Promise<SpendSnapshot> {
      const form = new URLSearchParams()
      for (const [key, pattern] of Object.entries(query.match)) form.set(key, pattern)
      form.set('from', new Date(query.fromMs).toISOString())
      form.set('recentFrom', new Date(query.recentFromMs).toISOString())
      if (query.spanIds.length > 0) form.set('spanIds', query.spanIds.slice(0, maxSpanIds).join(','))
      const response = await fetch(new URL('/v1/spend', base), { method: 'POST', body: form, signal: AbortSignal.timeout(timeoutMs) })
      const text = await response.text()
      if (!response.ok) {
        throw new Error(`the collector's spend endpoint answered ${response.status}: ${text.slice(0, 300)}`)
      }
      const body = responseSchema.parse(JSON.parse(text))
      return {
        buckets: body.buckets.map((bucket) => {
          const units = parseUsd(bucket.costUsd)?.units
          const startMs = Date.parse(bucket.start)
          if (units === undefined || !Number.isFinite(startMs)) throw new Error(`the collector returned a bad spend bucket: ${JSON.stringify(bucket)}`)
          return { startMs, durationMs: bucket.seconds * 1000, units }
        }),
        seenSpanIds: body.seenSpanIds,
      }
    },
  }
}

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

export interface HttpSpendSourceOptions {
  /**
   * The collector's base URL, e.g. `http://127.0.0.1:4318`. A password in it
   * (`http://:<token>@host:4318`, or the user name when there is no password) is
   * the collector's bearer token, so a router config's `spendEndpoint` can carry it
   * as `${SWITCHYARD_COLLECTOR_TOKEN}`; it is sent as a header, never in the URL.
   */
  url: string
  /** The collector's bearer token; wins over one in the URL. */
  token?: string
  timeoutMs?: number
}

/**
 * Reads spend from a collector's `/v1/spend` (spend-request-handler.ts), sending the
 * parameters as a form body (`POST`) because span ids do not fit in a URL, for
 * routers whose store is the collector's embedded engine: only one process can own
 * a chdb data directory, so the others ask the one that does.
 */
export function createHttpSpendSource(options: HttpSpendSourceOptions): SpendSource {
  const given = new URL(options.url)
  const token = options.token ?? (decodeURIComponent(given.password || given.username) || undefined)
  // Without its credentials: fetch refuses a URL that has them, and its error would quote it.
  const base = new URL(given.origin)
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
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
      const response = await fetch(new URL('/v1/spend', base), { method: 'POST', body: form, headers, signal: AbortSignal.timeout(timeoutMs) })
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

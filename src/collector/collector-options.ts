import { z } from 'zod'
import { DEFAULT_STORE_URL } from '../store/store-url.js'

const mebibyte = 1024 * 1024

/**
 * Everything `switchyard collector` can be told, with production defaults: safe
 * fsync, bounded bodies and queue, loopback only unless asked otherwise.
 */
export const collectorOptionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(4318),
  store: z.string().min(1).default(DEFAULT_STORE_URL),
  /** Largest accepted request body, compressed or not, and after decompression (a gzip bomb stops here). */
  maxBodyBytes: z.number().int().positive().default(16 * mebibyte),
  queueDirectory: z.string().min(1).default('.switchyard/queue'),
  /** Bound on the write-ahead queue on disk; beyond it the collector answers 503 with Retry-After. */
  queueMaxBytes: z.number().int().positive().default(1024 * mebibyte),
  /** A batch (one insert) closes at this many spans ... */
  batchSpans: z.number().int().positive().default(20_000),
  /** ... or this many bytes ... */
  batchBytes: z.number().int().positive().default(16 * mebibyte),
  /** ... or this long after its first span. */
  batchIntervalMs: z.number().int().positive().default(1_000),
  /** `always`: a 200 means fsynced; `interval`: fsynced within fsyncIntervalMs; `never`: left to the OS. */
  fsync: z.enum(['always', 'interval', 'never']).default('always'),
  fsyncIntervalMs: z.number().int().positive().default(200),
  /** Days to keep spans; unset leaves the store's TTL alone, 0 removes it. */
  retentionDays: z.number().int().min(0).optional(),
  maxAttributeValueBytes: z.number().int().positive().default(64 * 1024),
  maxSpansPerRequest: z.number().int().positive().default(100_000),
  /** Store retry backoff: first delay and cap. Store errors are retried until shutdown; nothing acknowledged is dropped. */
  retryBaseDelayMs: z.number().int().positive().default(200),
  retryMaxDelayMs: z.number().int().positive().default(30_000),
  /**
   * Inserts failing for this long (the oldest batch retried, every later span waiting)
   * turn `/healthz` to 503 with `flusher.stuck: true` and `flusher.failingSince`.
   */
  flusherStuckAfterMs: z.number().int().positive().default(60_000),
  /**
   * Bound on `dead-letters.jsonl` in the queue directory, where rows the store refuses as
   * invalid are set aside so the rest of their batch is written; past it they are counted
   * (switchyard_collector_spans_dead_letter_dropped_total) and dropped.
   */
  deadLetterMaxBytes: z.number().int().positive().default(64 * mebibyte),
  /** How long shutdown waits for the queue to drain into the store before leaving the rest on disk. */
  shutdownTimeoutMs: z.number().int().positive().default(30_000),
  /** A JSON price file (`{ entries, overrides }`) added to the built-in catalog, for pricing at ingest. */
  pricesFile: z.string().min(1).optional(),
  /** Per-request timeout for a ClickHouse server. */
  storeRequestTimeoutMs: z.number().int().positive().default(60_000),
  /**
   * A span whose (TraceId, SpanId) this collector accepted within this window is dropped
   * when a client sends it again (a retry after a lost answer, a re-sent backlog). 0 turns
   * it off. Kept in `seen-spans/` of the queue directory, so it survives restarts.
   */
  dedupWindowMs: z.number().int().min(0).max(30 * 86_400_000).default(3_600_000),
  /** Bound on the spans remembered for dedupWindowMs; about 18 bytes of memory each (18 MiB for the default). Past it the oldest eighth is forgotten early. */
  dedupMaxSpans: z.number().int().min(1024).max(2 ** 26).default(2 ** 20),
  /**
   * The bearer token every request must carry (`Authorization: Bearer <token>`);
   * `GET /healthz` answers without it, with its status only. Required off loopback.
   * Printable ASCII without spaces, at least 16 characters.
   */
  token: z.string().min(16).max(4096).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
  /** Listen off loopback without a token: anyone who reaches the port can write spans and read spend. */
  allowUnauthenticated: z.boolean().default(false),
  /** How long a client has to send a request's headers. */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  /** How long a client has to send a whole request, headers and body; a slower one gets a 408. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: z.number().int().positive().default(512),
  /**
   * Bound on request-body bytes held in memory across all requests being read at once
   * (beyond it: 503 with Retry-After, unread). Default: the larger of 64 MiB and twice
   * maxBodyBytes (a gzip body and its decompressed bytes are held together).
   */
  maxBufferedBodyBytes: z.number().int().positive().optional(),
}).strict()

export type CollectorOptions = z.input<typeof collectorOptionsSchema>
export type ResolvedCollectorOptions = z.output<typeof collectorOptionsSchema>

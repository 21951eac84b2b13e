import type { SeenSpansStats } from './span-dedup/seen-spans.js'

/**
 * The collector's own counters, rendered in Prometheus text format on `GET /metrics`.
 * Plain numbers on purpose: the collector must not depend on the telemetry it receives.
 */
export class CollectorMetrics {
  requestsTotal = 0
  requestsRejected = 0
  spansReceived = 0
  spansAccepted = 0
  spansRejected = 0
  spansWritten = 0
  batchesWritten = 0
  storeErrors = 0
  queueFullResponses = 0
  /** Of queueFullResponses, those refused before their body was read. */
  requestsShed = 0
  unreadableBatches = 0
  /** Attributes, events and links the decoders left out of spans they kept (count limits, an event time the table cannot store). */
  spanPartsDropped = 0
  /** Spans dropped because this collector accepted the same (TraceId, SpanId) within the dedup window. */
  spansDeduplicated = 0
  /** Batches the store refused as invalid, split to find the rows it refuses. */
  batchesSplit = 0
  /** Spans the store refused as invalid, written to the dead-letter file. */
  spansDeadLettered = 0
  /** Spans the store refused as invalid that the dead-letter file had no room for (or could not take). */
  spansDeadLetterDropped = 0
  /** Requests refused at the door: a Host that is not loopback's, or a missing or wrong token. */
  requestsRefusedHost = 0
  requestsRefusedToken = 0
  /** Export requests refused with 503 because the bodies being read filled the memory bound. */
  requestsShedForMemory = 0
  /** The bound on request bodies held in memory, read when rendered (set by the collector). */
  bodyMemory: { readonly heldBytes: number; readonly maxBytes: number } | undefined
  spansPricedAtIngest = 0
  /** Cost claims and token counts refused at ingest (a span's cost claim counts once). */
  spendAttributesRejected = 0
  insertSecondsSum = 0
  insertSecondsCount = 0
  readonly insertBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
  readonly insertBucketCounts = new Array<number>(this.insertBuckets.length).fill(0)

  observeInsert(seconds: number): void {
    this.insertSecondsSum += seconds
    this.insertSecondsCount += 1
    this.insertBuckets.forEach((bound, index) => {
      if (seconds <= bound) this.insertBucketCounts[index] = (this.insertBucketCounts[index] ?? 0) + 1
    })
  }

  render(queue: { segments: number; bytes: number; rows: number }, seenSpans?: SeenSpansStats): string {
    const lines: string[] = []
    const counter = (name: string, help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`)
    }
    const gauge = (name: string, help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`)
    }
    counter('switchyard_collector_requests_total', 'OTLP export requests received.', this.requestsTotal)
    counter('switchyard_collector_requests_rejected_total', 'OTLP export requests answered with a 4xx or 5xx.', this.requestsRejected)
    counter('switchyard_collector_spans_received_total', 'Spans decoded from export requests.', this.spansReceived)
    counter('switchyard_collector_spans_accepted_total', 'Spans acknowledged (on disk in the queue).', this.spansAccepted)
    counter('switchyard_collector_spans_rejected_total', 'Spans rejected as invalid (partial success).', this.spansRejected)
    counter('switchyard_collector_span_parts_dropped_total', 'Attributes, events and links left out of spans that were kept: past the decoders\' count limits, or an event whose time the table cannot store.', this.spanPartsDropped)
    counter('switchyard_collector_spans_written_total', 'Spans written to ClickHouse.', this.spansWritten)
    counter('switchyard_collector_batches_written_total', 'Batches inserted into ClickHouse.', this.batchesWritten)
    counter('switchyard_collector_store_errors_total', 'Failed inserts into ClickHouse (each is retried).', this.storeErrors)
    counter('switchyard_collector_queue_full_total', 'Requests refused with 503 because the queue was full.', this.queueFullResponses)
    counter('switchyard_collector_requests_shed_total', 'Requests refused with 503 unread, while the queue stayed full (part of queue_full_total).', this.requestsShed)
    counter('switchyard_collector_spans_priced_total', 'GenAI spans that arrived without a cost and were priced at ingest.', this.spansPricedAtIngest)
    counter('switchyard_collector_spend_attributes_rejected_total', 'Cost claims and token counts refused at ingest (kept under switchyard.rejected.*; the span is priced from its tokens instead).', this.spendAttributesRejected)
    counter('switchyard_collector_requests_refused_host_total', 'Requests refused with 403: a Host header that does not name loopback, on a collector listening on loopback.', this.requestsRefusedHost)
    counter('switchyard_collector_requests_refused_token_total', 'Requests refused with 401: no bearer token, or not the collector\'s.', this.requestsRefusedToken)
    counter('switchyard_collector_requests_shed_memory_total', 'Export requests refused with 503 because the request bodies being read filled the memory bound.', this.requestsShedForMemory)
    if (this.bodyMemory !== undefined) {
      gauge('switchyard_collector_request_body_bytes', 'Request-body bytes held in memory by the requests being read.', this.bodyMemory.heldBytes)
      gauge('switchyard_collector_request_body_max_bytes', 'Bound on the request-body bytes held in memory at once.', this.bodyMemory.maxBytes)
    }
    counter('switchyard_collector_unreadable_batches_total', 'Queued batches that could not be read back (left on disk for the next start).', this.unreadableBatches)
    counter('switchyard_collector_batches_split_total', 'Batches the store refused as invalid, split to write the rest and set the refused spans aside.', this.batchesSplit)
    counter('switchyard_collector_spans_dead_lettered_total', 'Spans the store refused as invalid, set aside in the dead-letter file.', this.spansDeadLettered)
    counter('switchyard_collector_spans_dead_letter_dropped_total', 'Spans the store refused as invalid and the dead-letter file had no room for (past its size bound, or a failed write): dropped.', this.spansDeadLetterDropped)
    gauge('switchyard_collector_queue_segments', 'Batches on disk waiting for ClickHouse.', queue.segments)
    gauge('switchyard_collector_queue_bytes', 'Bytes on disk in the write-ahead queue.', queue.bytes)
    gauge('switchyard_collector_queue_spans', 'Spans on disk waiting for ClickHouse.', queue.rows)
    counter('switchyard_collector_spans_deduplicated_total', 'Spans dropped as already accepted within the dedup window (a client sent them again).', this.spansDeduplicated)
    if (seenSpans !== undefined) {
      gauge('switchyard_collector_dedup_spans', 'Spans remembered for deduplication.', seenSpans.spans)
      gauge('switchyard_collector_dedup_max_spans', 'Bound on the spans remembered for deduplication.', seenSpans.maxSpans)
      gauge('switchyard_collector_dedup_bytes', 'Memory of the set of remembered spans (fixed at start).', seenSpans.bytes)
      gauge('switchyard_collector_dedup_reach_seconds', 'How far back the set of remembered spans reaches: the window, or less once it forgot early.', seenSpans.reachMs / 1000)
      counter('switchyard_collector_dedup_evicted_spans_total', 'Spans forgotten before their window ended because the set was full: a re-send of one would be counted again.', seenSpans.evictedSpans)
      counter('switchyard_collector_dedup_untracked_spans_total', 'Spans accepted without being remembered (no room even after forgetting early).', seenSpans.untrackedSpans)
      counter('switchyard_collector_dedup_journal_errors_total', 'Failed writes of the journal of remembered spans (each repaired by rewriting it).', seenSpans.journalErrors)
    }
    lines.push('# HELP switchyard_collector_insert_duration_seconds Time to insert one batch into ClickHouse.')
    lines.push('# TYPE switchyard_collector_insert_duration_seconds histogram')
    this.insertBuckets.forEach((bound, index) => {
      lines.push(`switchyard_collector_insert_duration_seconds_bucket{le="${bound}"} ${this.insertBucketCounts[index] ?? 0}`)
    })
    lines.push(`switchyard_collector_insert_duration_seconds_bucket{le="+Inf"} ${this.insertSecondsCount}`)
    lines.push(`switchyard_collector_insert_duration_seconds_sum ${this.insertSecondsSum}`)
    lines.push(`switchyard_collector_insert_duration_seconds_count ${this.insertSecondsCount}`)
    return `${lines.join('\n')}\n`
  }
}

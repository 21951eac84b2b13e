/**
 * Every `code` a switchyard error can carry. Codes are stable: callers branch on
 * them, never on message text, so a code is added here and never renamed.
 */

/** Why a provider call failed; the router decides retries and fallbacks on these. */
export const providerErrorCodes = [
  'rate_limit',
  'server_error',
  'overloaded',
  'timeout',
  'network',
  'auth',
  'bad_request',
  'context_length_exceeded',
  'content_filter',
  'not_found',
  'stream_cut',
  'aborted',
] as const

/** Why a whole OTLP request body was refused. */
export const otlpDecodeErrorCodes = ['malformed_protobuf', 'malformed_json', 'invalid_field', 'too_many_spans', 'too_deep'] as const

export const switchyardErrorCodes = [
  // Configuration and usage: fix the input and start again.
  'config_invalid',
  'usage_invalid',
  // The router.
  'all_targets_failed',
  'unknown_route',
  'request_aborted',
  'deadline_exceeded',
  'budget_exceeded',
  'price_not_found',
  'price_unknown',
  // A request the chosen target cannot serve, or whose pass-through fields are out of bounds.
  'unsupported_request',
  'request_invalid',
  // Providers: a call's failure, or a response over its bounds.
  ...providerErrorCodes,
  'response_body_too_large',
  'server_sent_event_too_long',
  // The store and reports.
  'store_unavailable',
  'shared_state_unavailable',
  'store_migration_failed',
  'report_fetch_failed',
  'report_request_invalid',
  // The collector.
  ...otlpDecodeErrorCodes,
  'request_body_refused',
  'encoded_rows_too_large',
  'queue_full',
  'queue_record_too_large',
  'queue_closed',
  'queue_locked',
  'queue_write_failed',
  'queue_failed',
  'queue_segment_corrupt',
  'queue_state_invalid',
  'seen_spans_journal_failed',
  'seen_spans_state_invalid',
  // The gateway: each answers with the HTTP status DESIGN.md gives it.
  'unauthorized',
  'forbidden',
  'model_not_found',
  'request_too_large',
  'rate_limited',
  'upstream_failed',
  'upstream_timeout',
  'gateway_unavailable',
  // A target asked to embed whose provider has no embeddings API.
  'embeddings_unsupported',
] as const

export type SwitchyardErrorCode = (typeof switchyardErrorCodes)[number]

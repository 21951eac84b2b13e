/**
 * Newer `@anthropic-ai/sdk` releases emit their own GenAI `chat` CLIENT span for
 * each call whenever an OpenTelemetry tracer provider is registered. An
 * instrumented call already has switchyard's span, and two model-call spans for
 * one call would count its tokens twice in `llm_calls` (which also prices spans
 * that arrive without a cost). So for the instrumented client only, the SDK's own
 * call spans are turned off, as its `openTelemetry: { traces: false }` option does
 * at construction: the SDK skips its spans wherever its tracer is unset. A client
 * of an SDK without built-in tracing is left as it is.
 */
export function turnOffSdkCallSpans(client: object): void {
  if (!('_tracer' in client) || client._tracer === undefined) return
  Reflect.set(client, '_tracer', undefined)
}

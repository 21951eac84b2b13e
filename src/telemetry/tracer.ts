import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api'

const scopeName = 'switchyard'
const scopeVersion = '0.1.0'

/** The global API's provider is a proxy; an SDK that registers becomes its delegate. */
interface DelegatingProvider extends TracerProvider {
  getDelegate?(): TracerProvider
}

let cached: { provider: TracerProvider; tracer: Tracer; records: boolean } | undefined

/** What the API's proxy delegates to while no SDK is registered: the one no-op provider. */
const noopProvider = new ProxyTracerProvider().getDelegate()

/**
 * switchyard's tracer from the global API. The app may register its tracer
 * provider after importing switchyard, or replace it, so the provider is checked
 * on each use; the tracer is looked up again only when it changed (the lookup
 * builds a key and walks the API's proxies, twice per routed call).
 */
export function tracer(): Tracer {
  return current().tracer
}

/**
 * False while no SDK is registered (the API's no-op provider): its spans record
 * nothing, so the attributes of a span need not be built. Its spans still carry
 * the parent's context, so spans are started either way.
 */
export function tracerRecords(): boolean {
  return current().records
}

function current(): { tracer: Tracer; records: boolean } {
  const global: DelegatingProvider = trace.getTracerProvider()
  const provider = global.getDelegate?.() ?? global
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer(scopeName, scopeVersion), records: provider !== noopProvider }
  return cached
}

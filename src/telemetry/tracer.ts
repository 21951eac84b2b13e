import { trace, type Tracer } from '@opentelemetry/api'

const scopeName = 'switchyard'
const scopeVersion = '0.1.0'

/**
 * switchyard's tracer from the global API, looked up on each use: the app may
 * register its tracer provider after importing switchyard.
 */
export function tracer(): Tracer {
  return trace.getTracer(scopeName, scopeVersion)
}

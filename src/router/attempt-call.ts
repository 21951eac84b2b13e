import type { Provider, ProviderRequest } from '../providers/provider.js'
import type { CallCost } from '../telemetry/call-cost.js'
import type { AbortWatch } from '../shared/abort-watch.js'
import type { ModelCallSpan } from '../telemetry/model-call-span.js'
import type { AttemptSignal } from './attempt-signal.js'
import type { RouteTarget } from './router-config.js'

/** One call to one target, as handed to the code that performs it: a chat call by default, or an embeddings call. */
export interface AttemptCall<Request = ProviderRequest> {
  target: RouteTarget
  provider: Provider
  request: Request
  span: ModelCallSpan
  attempt: number
  hedge: boolean
  startedAt: number
  /** Aborts on the caller's signal, the total deadline, the attempt timeout, or a lost hedge race. */
  signal: AbortWatch
  /** The signal's controller: why it aborted, cancelling, and clearing its timer. */
  control: AttemptSignal
}

/** A priced attempt: the span's cost and the same cost in pico-USD, for the budget reservation. */
export interface AttemptCost extends CallCost {
  costUnits: bigint
}

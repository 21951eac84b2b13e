import type { CallDescription, CallRecorder } from './begin-call.js'
import type { StreamTally } from './stream-tally.js'

/** How to record one call of an SDK method, worked out from its arguments before it is made. */
export interface PlannedCall {
  description: CallDescription
  /** The body to send: the caller's own, or a copy that asks for what recording needs (stream usage). */
  body: unknown
  /** Records the parsed body of a call that was not streamed. */
  recordBody(body: unknown, recorder: CallRecorder): void
  /** A fresh tally for the items of a streamed call. */
  tally?: () => StreamTally
  /** Whether the caller sees a streamed item; absent shows all. */
  show?: (item: unknown) => boolean
}

/** Builds the plan of a call from the SDK method's first argument; undefined leaves the call unrecorded. */
export type CallPlanner = (body: unknown) => PlannedCall | undefined

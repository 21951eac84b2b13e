import { diag } from '@opentelemetry/api'
import type { StreamAccumulator } from '../providers/drive-stream.js'
import type { ModelCallResult } from '../model-call/model-call-result.js'
import type { PartialOutput } from '../model-call/partial-output.js'

/** How a stream that ended without an error ended. */
export type StreamEnding =
  | { state: 'finished'; result: ModelCallResult; usageReported: boolean }
  /** It stopped before its terminal event: a cut stream, or one the caller aborted. */
  | { state: 'cut' }
  /** An item could not be read, so the answer is not known (the call itself went on). */
  | { state: 'unreadable' }

/** Reads the items of an SDK stream as they pass to the caller, to record the call when it ends. */
export interface StreamTally {
  /** Reads one item; true when it carried output (a text or tool-call delta). */
  accept(item: unknown): boolean
  ending(): StreamEnding
  partial(): PartialOutput
}

/**
 * A tally over the adapter's own stream accumulator, fed the items the SDK has
 * already parsed (validated with the same wire schema, without a round trip
 * through JSON text), so an instrumented SDK is read exactly as the router reads
 * the same wire format. `finishedEarly` says whether a stream that stopped
 * without its terminal event still finished: a Chat Completions stream that sent
 * its finish reason but no usage did (its host ignores `include_usage`). A tally
 * that cannot read an item stops reading; the call is then recorded without an
 * answer.
 */
export function streamTally(accumulator: StreamAccumulator, finishedEarly?: (result: ModelCallResult) => boolean): StreamTally {
  let unreadable = false
  return {
    accept(item) {
      if (unreadable) return false
      try {
        const events = accumulator.acceptParsed(item)
        for (const event of events) {
          if (event.type === 'text-delta' || event.type === 'tool-call-delta') return true
        }
        return false
      } catch (error) {
        unreadable = true
        diag.warn(`switchyard: cannot read a streamed item: ${String(error)}`)
        return false
      }
    },
    ending() {
      if (unreadable) return { state: 'unreadable' }
      if (accumulator.complete) return { state: 'finished', result: accumulator.result(), usageReported: true }
      if (finishedEarly === undefined) return { state: 'cut' }
      const result = accumulator.result()
      if (!finishedEarly(result)) return { state: 'cut' }
      return { state: 'finished', result, usageReported: accumulator.partial().usage !== undefined }
    },
    partial: () => accumulator.partial(),
  }
}

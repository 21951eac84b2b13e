/**
 * Errors of the set of seen spans. Each names the file and what was being done, and
 * keeps the cause; check with `SeenSpansJournalError.isInstance(error)`, not by message text.
 */
import { SwitchyardError } from '../../errors/switchyard-error.js'

/** The journal of seen spans could not be written or made durable; nothing acknowledged is lost (its spans stay in the queue). */
export class SeenSpansJournalError extends SwitchyardError {
  declare readonly code: 'seen_spans_journal_failed'
  readonly file: string
  readonly operation: 'open' | 'write' | 'fsync' | 'fsync-directory' | 'unlink' | 'close'

  constructor(details: { file: string; operation: SeenSpansJournalError['operation']; cause: unknown }) {
    super({
      code: 'seen_spans_journal_failed',
      message: `cannot ${details.operation} the seen-spans journal ${details.file}: ${details.cause instanceof Error ? details.cause.message : String(details.cause)}`,
      cause: details.cause,
    })
    this.file = details.file
    this.operation = details.operation
  }
}

/** A state file of the set of seen spans holds something this version did not write; move it away to start afresh. */
export class SeenSpansStateError extends SwitchyardError {
  declare readonly code: 'seen_spans_state_invalid'
  readonly file: string

  constructor(details: { file: string; expected: string }) {
    super({
      code: 'seen_spans_state_invalid',
      message: `the seen-spans state file ${details.file} is not ${details.expected}: move it away (the set then starts empty) or restore it`,
    })
    this.file = details.file
  }
}

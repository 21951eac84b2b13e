import { diag } from '@opentelemetry/api'

/** One piece of bookkeeping that the answer does not wait for: a function and its one argument (no closure per request). */
interface AfterAnswerWork<Subject> {
  run: (subject: Subject) => void
  subject: Subject
}

/** How long finished requests wait for others to be recorded with them, at most. */
const batchDelayMs = 2
/** A burst records its finished requests at least this often. */
const maxBatch = 64

/**
 * The bookkeeping of finished requests (span ends, budget settlements), run in
 * batches a few milliseconds after the answers: at one request at a time the
 * gateway's next request arrives while the previous one's bookkeeping would still
 * run, so doing it per request puts it on every answer's path; in a batch, most
 * answers find the process idle. A failure is logged, never thrown into the loop.
 */
export class AfterAnswerQueue {
  #pending: AfterAnswerWork<unknown>[] = []
  #timer: NodeJS.Timeout | undefined
  readonly #flush = (): void => {
    this.flush()
  }

  add<Subject>(run: (subject: Subject) => void, subject: Subject): void {
    this.#pending.push({ run, subject } as AfterAnswerWork<unknown>)
    if (this.#pending.length >= maxBatch) this.flush()
    else this.#timer ??= setTimeout(this.#flush, batchDelayMs)
  }

  /** Run everything queued now (also when the router closes). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const pending = this.#pending
    this.#pending = []
    for (const work of pending) {
      try {
        work.run(work.subject)
      } catch (error) {
        diag.warn(`switchyard: cannot record a routed request after its answer: ${String(error)}`)
      }
    }
  }
}

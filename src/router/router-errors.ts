import type { AttemptRecord } from './chat-request.js'
import type { SkippedTarget } from './select-targets.js'

/** Every target of a routed request failed or was skipped; each attempt's error is kept. */
export class AllTargetsFailedError extends Error {
  override readonly name = 'AllTargetsFailedError'
  readonly code = 'SWITCHYARD_ALL_TARGETS_FAILED'
  readonly route: string
  readonly attempts: AttemptRecord[]
  readonly errors: unknown[]
  readonly skipped: SkippedTarget[]

  constructor(options: { route: string; attempts: AttemptRecord[]; errors: unknown[]; skipped: SkippedTarget[]; reason?: string }) {
    const tried = options.attempts.map((attempt) => `#${attempt.attempt} ${attempt.provider}/${attempt.model}: ${attempt.errorCode ?? attempt.outcome}`)
    const skipped = options.skipped.map((skip) => `${skip.target.provider}/${skip.target.model} skipped (${skip.detail})`)
    super(`route "${options.route}": every target failed${options.reason === undefined ? '' : ` (${options.reason})`}: ${[...tried, ...skipped].join('; ') || 'no target could be tried'}`)
    this.route = options.route
    this.attempts = options.attempts
    this.errors = options.errors
    this.skipped = options.skipped
  }
}

export function isAllTargetsFailedError(error: unknown): error is AllTargetsFailedError {
  return error instanceof AllTargetsFailedError
}

/** The request names no route or model the router knows. */
export class UnknownRouteError extends Error {
  override readonly name = 'UnknownRouteError'
  readonly code = 'SWITCHYARD_UNKNOWN_ROUTE'
}

/** The caller's signal or the request's total deadline ended the request. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError'
  readonly code: 'SWITCHYARD_ABORTED' | 'SWITCHYARD_DEADLINE'
  readonly attempts: AttemptRecord[]

  constructor(options: { deadline: boolean; route: string; attempts: AttemptRecord[]; totalMs: number }) {
    super(options.deadline
      ? `route "${options.route}": the request's total deadline of ${options.totalMs} ms passed after ${options.attempts.length} attempt(s)`
      : `route "${options.route}": the caller aborted the request`)
    this.code = options.deadline ? 'SWITCHYARD_DEADLINE' : 'SWITCHYARD_ABORTED'
    this.attempts = options.attempts
  }
}

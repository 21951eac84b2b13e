import type { AttemptRecord } from './chat-request.js'
import type { SkippedTarget } from './select-targets.js'
import { SwitchyardError } from '../errors/switchyard-error.js'

/** Every target of a routed request failed or was skipped; each attempt's error is kept. */
export class AllTargetsFailedError extends SwitchyardError {
  declare readonly code: 'all_targets_failed'
  readonly route: string
  readonly attempts: AttemptRecord[]
  readonly errors: unknown[]
  readonly skipped: SkippedTarget[]

  constructor(options: { route: string; attempts: AttemptRecord[]; errors: unknown[]; skipped: SkippedTarget[]; reason?: string }) {
    const tried = options.attempts.map((attempt) => `#${attempt.attempt} ${attempt.provider}/${attempt.model}: ${attempt.errorCode ?? attempt.outcome}`)
    const skipped = options.skipped.map((skip) => `${skip.target.provider}/${skip.target.model} skipped (${skip.detail})`)
    super({
      code: 'all_targets_failed',
      message: `route "${options.route}": every target failed${options.reason === undefined ? '' : ` (${options.reason})`}: ${[...tried, ...skipped].join('; ') || 'no target could be tried'}`,
    })
    this.route = options.route
    this.attempts = options.attempts
    this.errors = options.errors
    this.skipped = options.skipped
  }
}

export function isAllTargetsFailedError(error: unknown): error is AllTargetsFailedError {
  return AllTargetsFailedError.isInstance(error)
}

/** The request names no route or model the router knows. */
export class UnknownRouteError extends SwitchyardError {
  declare readonly code: 'unknown_route'

  constructor(message: string) {
    super({ code: 'unknown_route', message })
  }
}

/** The caller's signal or the request's total deadline ended the request. */
export class RequestAbortedError extends SwitchyardError {
  declare readonly code: 'request_aborted' | 'deadline_exceeded'
  readonly attempts: AttemptRecord[]

  constructor(options: { deadline: boolean; route: string; attempts: AttemptRecord[]; totalMs: number }) {
    super(options.deadline
      ? { code: 'deadline_exceeded', message: `route "${options.route}": the request's total deadline of ${options.totalMs} ms passed after ${options.attempts.length} attempt(s)` }
      : { code: 'request_aborted', message: `route "${options.route}": the caller aborted the request` })
    this.attempts = options.attempts
  }
}

import { SwitchyardError } from '../errors/switchyard-error.js'

/**
 * `switchyard report --collector` could not get a report: the collector is not
 * there, has no report endpoint, or refused the request (`status` says which,
 * when it answered).
 */
export class ReportFetchError extends SwitchyardError {
  declare readonly code: 'report_fetch_failed'
  readonly status: number | undefined

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super({ code: 'report_fetch_failed', message, cause: options.cause })
    this.status = options.status
  }
}

export function isReportFetchError(error: unknown): error is ReportFetchError {
  return ReportFetchError.isInstance(error)
}

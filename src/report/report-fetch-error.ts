/**
 * `switchyard report --collector` could not get a report: the collector is not
 * there, has no report endpoint, or refused the request (`status` says which,
 * when it answered).
 */
export class ReportFetchError extends Error {
  override readonly name = 'ReportFetchError'
  readonly code = 'SWITCHYARD_REPORT_FETCH'
  readonly status: number | undefined

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.status = options.status
  }
}

export function isReportFetchError(error: unknown): error is ReportFetchError {
  return error instanceof ReportFetchError
}

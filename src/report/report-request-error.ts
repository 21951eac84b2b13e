/**
 * A report option that cannot work (a bad window, an unknown grouping, a format
 * switchyard does not write). The message names the option and what it accepts;
 * `option` carries its name so the CLI and the HTTP endpoint can each answer in
 * their own terms (a usage error, a 400).
 */
export class ReportRequestError extends Error {
  override readonly name = 'ReportRequestError'
  readonly code = 'SWITCHYARD_REPORT_REQUEST'
  readonly option: string

  constructor(message: string, options: { option: string }) {
    super(message)
    this.option = options.option
  }
}

export function isReportRequestError(error: unknown): error is ReportRequestError {
  return error instanceof ReportRequestError
}

import { SwitchyardError } from '../errors/switchyard-error.js'

/**
 * A report option that cannot work (a bad window, an unknown grouping, a format
 * switchyard does not write). The message names the option and what it accepts;
 * `option` carries its name so the CLI and the HTTP endpoint can each answer in
 * their own terms (a usage error, a 400).
 */
export class ReportRequestError extends SwitchyardError {
  declare readonly code: 'report_request_invalid'
  readonly option: string

  constructor(message: string, options: { option: string }) {
    super({ code: 'report_request_invalid', message })
    this.option = options.option
  }
}

export function isReportRequestError(error: unknown): error is ReportRequestError {
  return ReportRequestError.isInstance(error)
}

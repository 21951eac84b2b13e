/** Where the money and the time go: the spend report, the critical path, their formats and the HTTP endpoint. */
export { buildReport, defaultReportLimit, type BuildReportOptions } from './build-report.js'
export { criticalPath, type CriticalPathOptions } from './critical-path.js'
export { criticalPathOfRun, type RunCriticalPath, type StepInterval, type StepTime } from './critical-path-of-run.js'
export { fetchReport, type FetchReportOptions } from './fetch-report.js'
export { isReportFetchError, ReportFetchError } from './report-fetch-error.js'
export { formatReport, reportFormatSchema, type ReportFormat } from './format-report.js'
export { handleReportRequest, type HandleReportRequestOptions, type ReportResponse } from './handle-report-request.js'
export { fixedDimensionSchema, parseReportDimensions, type ReportDimension } from './report-dimension.js'
export { isReportRequestError, ReportRequestError } from './report-request-error.js'
export { parseReportRequest, runReportRequest, type ReportRequest, type ReportRequestInput } from './report-request.js'
export {
  criticalPathReportSchema,
  reportSchema,
  type CriticalPathReport,
  type CriticalPathStep,
  type Report,
  type ReportFigures,
  type ReportRow,
} from './report-schema.js'
export { parseDuration, resolveReportWindow, type ReportWindow } from './report-window.js'

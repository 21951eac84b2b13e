import { diag } from '@opentelemetry/api'
import type { ErrorLogParams, Logger, LogParams, WarnLogParams } from '@clickhouse/client'
import { errorSummary } from '../shared/error-summary.js'

export interface ClickHouseLoggerOptions {
  /** The store's URL as logs may show it (redacted: no password, no query string). */
  displayUrl: string
  /** Text a line must never carry even when the client's error quotes it: the store's password. */
  secrets: readonly (string | undefined)[]
}

/**
 * Messages the client logs for a request that failed. The failure also reaches the
 * caller, which reports it with what it was doing (once per outage, not per retry):
 * logged here too, every retried insert and every probe of a store that is down would
 * print a second, context-free line.
 */
const reportedByCaller = /: HTTP request error\.$|^Error while processing the ResultSet\.$/

/**
 * `@clickhouse/client`'s own log lines, through switchyard's logger (the OpenTelemetry
 * diagnostics logger) at their own level, as one line each: the store's redacted URL,
 * the client's module and message, and the cause summarized without its stack, the
 * rows or the password a ClickHouse message can quote. The client's arguments (query
 * ids, settings) are left out. The client instantiates the class itself (`log:
 * { LoggerClass }` takes no arguments), so each store gets its own class.
 */
export function clickHouseLoggerClass(options: ClickHouseLoggerOptions): new () => Logger {
  const line = (params: LogParams & { err?: Error }): string => {
    const cause = params.err === undefined ? '' : `: ${errorSummary(params.err, { secrets: options.secrets })}`
    return `switchyard store ${options.displayUrl}: @clickhouse/client ${params.module}: ${params.message}${cause}`
  }
  return class ClickHouseLogger implements Logger {
    trace(params: LogParams): void {
      diag.verbose(line(params))
    }

    debug(params: LogParams): void {
      diag.debug(line(params))
    }

    info(params: LogParams): void {
      diag.info(line(params))
    }

    warn(params: WarnLogParams): void {
      if (reportedByCaller.test(params.message)) diag.debug(line(params))
      else diag.warn(line(params))
    }

    error(params: ErrorLogParams): void {
      if (reportedByCaller.test(params.message)) diag.debug(line(params))
      else diag.error(line(params))
    }
  }
}

import { readEnvironment } from '../config/environment.js'
import { fetchReport } from '../report/fetch-report.js'
import { formatReport } from '../report/format-report.js'
import { parseReportRequest, runReportRequest } from '../report/report-request.js'
import { createStore } from '../store/create-store.js'
import { CliUsageError, parseCliArguments } from './cli-arguments.js'
import { readTokenFile } from './read-token-file.js'

const help = `usage: switchyard report [options]

Spend and latency of model calls, most expensive first; or, with --critical-path,
where one workflow's end-to-end time goes, step by step.

  --since <duration>           window back from now: 30m, 24h, 7d (default 24h)
  --from <time> [--to <time>]  window as ISO 8601 times (--to defaults to now)
  --by <groupings>             comma list of workflow, step, provider, model, route, tag:<key>
  --workflow <name>            only this workflow's calls
  --format <format>            table (default), json or csv
  --critical-path <workflow>   share of the workflow's run time each step holds on the critical path
  --limit <n>                  most rows shown (default 1000; the total counts all)
  --store <url>                read this store (default $CLICKHOUSE_URL, else chdb://.switchyard/data)
  --collector <url>            ask a running collector (e.g. http://127.0.0.1:4318) instead:
                               needed while it owns an embedded chdb:// store
  --token-file <file>          the collector's bearer token, for --collector
                               (default $SWITCHYARD_COLLECTOR_TOKEN)`

/** `switchyard report`: print a report read from the store, or from a running collector. */
export async function runReportCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    since: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    by: { type: 'string', multiple: true },
    workflow: { type: 'string' },
    format: { type: 'string' },
    'critical-path': { type: 'string' },
    limit: { type: 'string' },
    store: { type: 'string' },
    collector: { type: 'string' },
    'token-file': { type: 'string' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  if (values.store !== undefined && values.collector !== undefined) {
    throw new CliUsageError('give --store or --collector, not both: --collector asks a running collector, --store opens the store itself')
  }
  if (values['token-file'] !== undefined && values.collector === undefined) {
    throw new CliUsageError('--token-file is the token of the collector that --collector names: give --collector too')
  }
  const request = parseReportRequest({
    since: values.since,
    from: values.from,
    to: values.to,
    by: values.by,
    workflow: values.workflow,
    format: values.format,
    criticalPath: values['critical-path'],
    limit: values.limit,
  })
  if (values.collector !== undefined) {
    const token = values['token-file'] === undefined ? readEnvironment().collectorToken : await readTokenFile(values['token-file'])
    const report = await fetchReport({ collectorUrl: collectorBaseUrl(values.collector), request, token })
    process.stdout.write(formatReport(report, request.format))
    return 0
  }
  const store = await createStore({ url: values.store ?? readEnvironment().clickhouseUrl })
  try {
    const report = await runReportRequest({ store, request }).catch((error: unknown) => {
      // A store nobody has written to yet: say how to get one rather than print a missing-table error.
      if (/UNKNOWN_TABLE|Unknown table|does ?n[o']t exist/i.test(String(error))) {
        throw new Error(`the store ${store.displayUrl} has no switchyard tables yet: start \`switchyard collector\` or run \`switchyard migrate\``, { cause: error })
      }
      throw error
    })
    process.stdout.write(formatReport(report, request.format))
    return 0
  } finally {
    await store.close()
  }
}

function collectorBaseUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new CliUsageError(`--collector must be a URL such as http://127.0.0.1:4318 (got ${JSON.stringify(text)})`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliUsageError(`--collector must be an http(s) URL (got ${url.protocol})`)
  }
  return url.origin
}

import { readEnvironment } from '../config/environment.js'
import { runDemo } from '../demo/run-demo.js'
import { runRealDemo } from '../demo/run-real-demo.js'
import { parseStoreUrl } from '../store/store-url.js'
import { CliUsageError, numberOption, parseCliArguments } from './cli-arguments.js'
import { readTokenFile } from './read-token-file.js'

const help = `usage: switchyard demo [--real] [--directory <dir>] [--store <url> | --collector <url>] [--triage-runs <n>] [--coding-runs <n>] [--serve]

Runs a collector, a router over simulated providers, and two agent workflows many
times (an outage, a slow provider, a budget that fills), then prints the report.

  --directory <dir>      where the embedded store (<dir>/data) and the demo collector's
                         queue (<dir>/queue) live (default .switchyard)
  --store <url>          the store the demo's collector writes: chdb://<dir> or
                         http(s)://user:pass@host:8123/db (default $CLICKHOUSE_URL,
                         else chdb://<directory>/data)
  --collector <url>      send the spans to a running switchyard collector instead, e.g.
                         http://localhost:4318 of the docker compose stack; it writes its
                         own store, and the report is read from it
  --token-file <file>    that collector's bearer token (default $SWITCHYARD_COLLECTOR_TOKEN)
  --triage-runs <n>      support-triage runs (default 90)
  --coding-runs <n>      coding-assistant runs (default 40)
  --serve                keep the demo's collector running after the report, serving the
                         web view of the runs at its /ui/ until Ctrl-C
  --real                 one small workflow against real providers instead (needs
                         OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY)`

/** `switchyard demo` (`npm run demo`). */
export async function runDemoCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    real: { type: 'boolean' },
    directory: { type: 'string' },
    store: { type: 'string' },
    collector: { type: 'string' },
    'token-file': { type: 'string' },
    'triage-runs': { type: 'string' },
    'coding-runs': { type: 'string' },
    serve: { type: 'boolean' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  const environment = readEnvironment()
  const destination = {
    directory: values.directory,
    ...await chosenDestination({ values, clickhouseUrl: environment.clickhouseUrl, collectorToken: environment.collectorToken }),
  }
  const captureMessageContent = environment.captureMessageContent
  if (values.real && values.serve) throw new CliUsageError('--serve keeps the simulated demo\'s collector serving its web view; --real runs without one')
  if (values.real) return runRealDemo({ ...destination, keys: environment.providerKeys, captureMessageContent })
  await runDemo({
    ...destination,
    captureMessageContent,
    triageRuns: numberOption(values['triage-runs'], 'triage-runs'),
    codingRuns: numberOption(values['coding-runs'], 'coding-runs'),
    serveUntil: values.serve === true ? stopSignal() : undefined,
  })
  return 0
}

interface DestinationFlags {
  directory?: string
  store?: string
  collector?: string
  'token-file'?: string
}

/** --store, --collector and --token-file checked together, each mistake naming its flag. */
async function chosenDestination(options: { values: DestinationFlags; clickhouseUrl: string | undefined; collectorToken: string | undefined }): Promise<{ store?: string; collector?: string; collectorToken?: string }> {
  const { values } = options
  if (values.collector !== undefined) {
    if (values.store !== undefined) throw new CliUsageError('give --store or --collector, not both: with --collector the running collector writes its own store')
    if (values.directory !== undefined) throw new CliUsageError('--directory is where the demo keeps its own store and queue: with --collector the running collector keeps them, so leave it out')
    const collector = collectorOrigin(values.collector)
    const collectorToken = values['token-file'] === undefined ? options.collectorToken : await readTokenFile(values['token-file'])
    return { collector, collectorToken }
  }
  if (values['token-file'] !== undefined) throw new CliUsageError('--token-file is the token of the collector that --collector names: give --collector too')
  if (values.store !== undefined) return { store: checkedStoreUrl(values.store, '--store') }
  if (options.clickhouseUrl !== undefined) return { store: checkedStoreUrl(options.clickhouseUrl, 'CLICKHOUSE_URL') }
  return {}
}

function checkedStoreUrl(url: string, source: string): string {
  try {
    parseStoreUrl(url)
  } catch (error) {
    throw new CliUsageError(`${source}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return url
}

function collectorOrigin(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new CliUsageError(`--collector must be a URL such as http://127.0.0.1:4318 (got ${text.length} characters starting ${JSON.stringify(text.slice(0, 8))})`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError(`--collector must be an http(s) URL (got ${url.protocol})`)
  if (url.username !== '' || url.password !== '') throw new CliUsageError('--collector must not carry credentials: give the token with --token-file or SWITCHYARD_COLLECTOR_TOKEN')
  return url.origin
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

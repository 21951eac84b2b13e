import type { BudgetConfig } from '../budget/budget-config.js'
import { readEnvironment } from '../config/environment.js'
import { loadConfig } from '../config/load-config.js'
import { createStore } from '../store/create-store.js'
import { startUiServer } from '../ui/start-ui-server.js'
import { CliUsageError, numberOption, parseCliArguments } from './cli-arguments.js'
import { readTokenFile } from './read-token-file.js'

const help = `usage: switchyard ui [--store <url>] [--host 127.0.0.1] [--port 4400] [--config <file>] [--token-file <file>]

The web view of runs, waterfalls and spend, for a store no other process holds
(a running collector or gateway serves the same view at its own /ui/). Read-only.

  --store <url>        the store to read (default: the config's store, else $CLICKHOUSE_URL,
                       else chdb://.switchyard/data)
  --host <host>        listen address (default 127.0.0.1); off loopback needs --token-file
  --port <port>        listen port (default 4400; 0 picks a free one)
  --config <file>      a switchyard config: its budgets show on the overview
  --token-file <file>  a token every request must carry: the password of the browser's
                       sign-in prompt (any user name), or "Authorization: Bearer <token>"`

/** `switchyard ui`: serve the web view until interrupted. */
export async function runUiCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    store: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    config: { type: 'string' },
    'token-file': { type: 'string' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  const port = numberOption(values.port, 'port') ?? 4400
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CliUsageError(`--port must be a port number from 0 to 65535 (got ${JSON.stringify(values.port)})`)
  let budgets: readonly BudgetConfig[] = []
  let configStore: string | undefined
  if (values.config !== undefined) {
    const config = await loadConfig(values.config)
    budgets = config.budgets
    configStore = config.store
  }
  const token = values['token-file'] === undefined ? undefined : await readTokenFile(values['token-file'])
  const store = await createStore({ url: values.store ?? configStore ?? readEnvironment().clickhouseUrl })
  try {
    const server = await startUiServer({ store, budgets, host: values.host ?? '127.0.0.1', port, token })
    console.log(`switchyard ui: ${server.url}/ui/ (store ${store.displayUrl}${token === undefined ? ', loopback only' : ', token required'}); Ctrl-C stops it`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await server.close()
    return 0
  } finally {
    await store.close()
  }
}

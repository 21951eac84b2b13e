import { isLoopbackHost } from '../collector/is-loopback-host.js'
import { readEnvironment } from '../config/environment.js'
import { loadConfig } from '../config/load-config.js'
import { startGateway, type ReloadOutcome } from '../gateway/start-gateway.js'
import { numberOption, parseCliArguments } from './cli-arguments.js'

const help = `usage: switchyard gateway [options]

Serve the router over HTTP in the providers' wire formats: POST /v1/chat/completions
(OpenAI), POST /v1/messages (Anthropic), POST /v1/embeddings, GET /v1/models, plus
/healthz, /readyz, /metrics and the collector's /v1/traces, /v1/spend, /v1/report.
Spans go straight into the store; budgets read it.

  --config <file>     switchyard.config.json|.yaml|.yml|.mjs (default switchyard.config.json)
  --host <addr>       listen address (default gateway.host, else 127.0.0.1)
  --port <n>          listen port (default gateway.port, else 4000)
  --watch             reload when the config file changes (SIGHUP reloads too)
  --no-auth           listen off loopback without virtual keys (anyone reaching the port
                      can spend through the configured providers)
  --store <url>       chdb://<dir> or http(s)://user:pass@host:8123/db (default the config's
                      store, else $CLICKHOUSE_URL, else chdb://.switchyard/data)
  --queue-dir <dir>   the span queue's directory (default .switchyard/queue)

A flag wins over the config file, which wins over the default. SIGTERM or SIGINT stops
accepting, lets calls in flight finish (gateway.shutdownTimeoutMs), flushes spans, exits.`

/** `switchyard gateway`: serve until SIGTERM/SIGINT; SIGHUP reloads the config file. */
export async function runGatewayCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    watch: { type: 'boolean' },
    'no-auth': { type: 'boolean' },
    store: { type: 'string' },
    'queue-dir': { type: 'string' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  const configPath = values.config ?? 'switchyard.config.json'
  const config = await loadConfig(configPath)
  const gateway = await startGateway({
    config,
    configPath,
    host: values.host,
    port: numberOption(values.port, 'port'),
    noAuth: values['no-auth'] === true,
    watch: values.watch === true,
    store: values.store ?? config.store ?? readEnvironment().clickhouseUrl,
    queueDirectory: values['queue-dir'],
    onReload: printReload,
  })
  const keys = config.gateway.keys.length
  const door = keys > 0 ? `${keys} virtual key(s)` : isLoopbackHost(new URL(gateway.url).hostname) ? 'no keys, loopback only' : 'NO AUTHENTICATION (--no-auth)'
  console.log(`switchyard gateway listening on ${gateway.url} (${door}), config ${configPath}${values.watch === true ? ' (watched)' : ''}, store ${gateway.store.displayUrl}`)
  const onHangUp = (): void => void gateway.reload()
  process.on('SIGHUP', onHangUp)
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      console.log(`switchyard gateway: ${signal}, finishing calls in flight, flushing spans and stopping`)
      resolve()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  process.off('SIGHUP', onHangUp)
  await gateway.close()
  return 0
}

function printReload(outcome: ReloadOutcome): void {
  if (outcome.ok) console.log('switchyard gateway: config reloaded')
  else console.error(`switchyard gateway: config NOT reloaded, the old one stays: ${outcome.error.message}`)
}

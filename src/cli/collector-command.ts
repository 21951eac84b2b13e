import { startCollector } from '../collector/collector.js'
import { isLoopbackHost } from '../collector/is-loopback-host.js'
import { readEnvironment } from '../config/environment.js'
import { byteSizeOption, numberOption, parseCliArguments } from './cli-arguments.js'
import { durationOption } from './duration-option.js'
import { readTokenFile } from './read-token-file.js'

const help = `usage: switchyard collector [options]

  --host <addr>              listen address (default 127.0.0.1)
  --port <n>                 listen port (default 4318)
  --store <url>              chdb://<dir> or http(s)://user:pass@host:8123/db
                             (default $CLICKHOUSE_URL, else chdb://.switchyard/data); a server
                             that does not answer at start is retried with backoff while
                             spans are queued: GET /readyz is 200 once it answers, 503 before
  --max-body <size>          largest request body, also after decompression (default 16MiB)
  --queue-dir <dir>          write-ahead queue directory (default .switchyard/queue)
  --queue-max <size>         bound on the queue on disk; full means 503 (default 1GiB)
  --batch-spans <n>          spans per insert (default 20000)
  --batch-interval-ms <n>    longest wait before an insert (default 1000)
  --fsync <policy>           always | interval | never (default always)
  --retention-days <n>       keep spans this many days (0 removes the TTL)
  --prices-file <json>       price entries added to the catalog, for pricing at ingest
  --dedup-window <duration>  drop a span (same TraceId and SpanId) re-sent within this long
                             of its acceptance, e.g. 30m, 1h; 0 turns it off (default 1h)
  --dedup-max-spans <n>      spans remembered for that, ~18 bytes each (default 1048576)
  --token-file <file>        bearer token every request must carry (default $SWITCHYARD_COLLECTOR_TOKEN);
                             required off loopback; GET /healthz and GET /readyz answer without it
  --allow-unauthenticated    listen off loopback without a token (anyone reaching the port can
                             write spans and read spend)
  --max-connections <n>      connections open at once (default 512)
  --max-buffered-body <size> body bytes held in memory by all requests being read at once;
                             past it: 503 with Retry-After (default 64MiB, at least 2x --max-body)
  --flusher-stuck-after <duration>
                             inserts failing this long turn GET /healthz to 503 with
                             flusher.stuck (default 1m)
  --dead-letter-max <size>   bound on dead-letters.jsonl in the queue directory, where spans the
                             store refuses as invalid are set aside; past it they are counted and
                             dropped (default 64MiB)`

/** `switchyard collector`: run until SIGTERM/SIGINT, then flush and exit. */
export async function runCollectorCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    host: { type: 'string' },
    port: { type: 'string' },
    store: { type: 'string' },
    'max-body': { type: 'string' },
    'queue-dir': { type: 'string' },
    'queue-max': { type: 'string' },
    'batch-spans': { type: 'string' },
    'batch-interval-ms': { type: 'string' },
    fsync: { type: 'string' },
    'retention-days': { type: 'string' },
    'prices-file': { type: 'string' },
    'dedup-window': { type: 'string' },
    'dedup-max-spans': { type: 'string' },
    'token-file': { type: 'string' },
    'allow-unauthenticated': { type: 'boolean' },
    'max-connections': { type: 'string' },
    'max-buffered-body': { type: 'string' },
    'flusher-stuck-after': { type: 'string' },
    'dead-letter-max': { type: 'string' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  const environment = readEnvironment()
  const fsync = values.fsync
  if (fsync !== undefined && fsync !== 'always' && fsync !== 'interval' && fsync !== 'never') {
    throw new Error(`--fsync must be always, interval or never (got ${JSON.stringify(fsync)})`)
  }
  const collector = await startCollector({
    host: values.host,
    port: numberOption(values.port, 'port'),
    store: values.store ?? environment.clickhouseUrl,
    maxBodyBytes: byteSizeOption(values['max-body'], 'max-body'),
    queueDirectory: values['queue-dir'],
    queueMaxBytes: byteSizeOption(values['queue-max'], 'queue-max'),
    batchSpans: numberOption(values['batch-spans'], 'batch-spans'),
    batchIntervalMs: numberOption(values['batch-interval-ms'], 'batch-interval-ms'),
    fsync,
    retentionDays: numberOption(values['retention-days'], 'retention-days'),
    pricesFile: values['prices-file'],
    dedupWindowMs: durationOption(values['dedup-window'], 'dedup-window'),
    dedupMaxSpans: numberOption(values['dedup-max-spans'], 'dedup-max-spans'),
    // The file wins over the environment, as every flag here does.
    token: values['token-file'] === undefined ? environment.collectorToken : await readTokenFile(values['token-file']),
    allowUnauthenticated: values['allow-unauthenticated'],
    maxConnections: numberOption(values['max-connections'], 'max-connections'),
    maxBufferedBodyBytes: byteSizeOption(values['max-buffered-body'], 'max-buffered-body'),
    flusherStuckAfterMs: durationOption(values['flusher-stuck-after'], 'flusher-stuck-after'),
    deadLetterMaxBytes: byteSizeOption(values['dead-letter-max'], 'dead-letter-max'),
  })
  const stats = collector.queue.stats()
  const door = collector.options.token !== undefined ? 'bearer token required' : isLoopbackHost(collector.options.host) ? 'no token, loopback only' : 'NO AUTHENTICATION'
  console.log(`switchyard collector listening on ${collector.url} (OTLP/HTTP POST /v1/traces, ${door}), store ${collector.store.displayUrl}`
    + (collector.storePrepared ? '' : ' (not answering yet: spans are queued until it does)')
    + (stats.segments > 0 ? `, replaying ${stats.rows} queued spans` : ''))
  if (!collector.storePrepared) {
    void collector.whenStorePrepared.then(() => {
      console.log(`switchyard collector: the store ${collector.store.displayUrl} answers and is migrated; writing the ${collector.queue.stats().rows} queued spans`)
    })
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      console.log(`switchyard collector: ${signal}, flushing the queue and stopping`)
      resolve()
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
  await collector.close()
  return 0
}

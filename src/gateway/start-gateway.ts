import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { diag } from '@opentelemetry/api'
import type { SpendSource } from '../budget/spend-source.js'
import { createStoreSpendSource } from '../budget/store-spend-source.js'
import { InProcessSpanExporter } from '../collector/in-process-span-exporter.js'
import type { CollectorOptions } from '../collector/collector-options.js'
import { isLoopbackHost } from '../collector/is-loopback-host.js'
import { openCollectorPipeline, type CollectorPipeline } from '../collector/open-collector-pipeline.js'
import { loadConfig } from '../config/load-config.js'
import type { SwitchyardConfig } from '../config/switchyard-config.js'
import { ConfigError } from '../errors/config-error.js'
import type { RouterDependencies } from '../router/create-router.js'
import { errorSummary } from '../shared/error-summary.js'
import type { Store } from '../store/create-store.js'
import { DEFAULT_STORE_URL } from '../store/store-url.js'
import { startTelemetry, type Telemetry } from '../telemetry/start-telemetry.js'
import { buildGeneration } from './build-generation.js'
import { gatewayEndpoints } from './gateway-endpoints.js'
import type { GatewayGeneration } from './gateway-generation.js'
import { GatewayMetrics } from './gateway-metrics.js'
import { handleGatewayRequest, type GatewayRuntime } from './handle-gateway-request.js'
import { LoopbackHostCheck } from './http/loopback-host-check.js'
import { KeyRateLimiter } from './key-rate-limiter.js'
import { watchConfigFile } from './watch-config-file.js'

export interface StartGatewayOptions {
  /** The loaded config (see loadConfig). */
  config: SwitchyardConfig
  /** The file it came from: `reload()` and `watch` read it again. */
  configPath?: string
  /** Default: gateway.host, else 127.0.0.1. */
  host?: string
  /** Default: gateway.port, else 4000; 0 picks a free port. */
  port?: number
  /** Serve a non-loopback host without virtual keys: anyone who reaches the port may spend. */
  noAuth?: boolean
  /** Reload when the config file changes. */
  watch?: boolean
  /** Where spans are written; default config.store, else chdb://.switchyard/data. */
  store?: string
  /** The collector queue's directory; default .switchyard/queue. */
  queueDirectory?: string
  /** More collector options for the pipeline (batching, fsync, ...). */
  collector?: Omit<CollectorOptions, 'store' | 'queueDirectory'>
  routerDependencies?: RouterDependencies
  /** The tracer set-up; `false` when the app registered its own SDK (spans then go where it sends them). */
  telemetry?: false | { serviceName?: string; scheduledDelayMillis?: number; captureMessageContent?: boolean }
  /** Told the outcome of every reload (SIGHUP, --watch or `reload()`), e.g. to print it. */
  onReload?: (outcome: ReloadOutcome) => void
  /** Where `${NAME}` in the config file finds values on reload; default the process environment. */
  environment?: Readonly<Record<string, string | undefined>>
}

export type ReloadOutcome = { ok: true } | { ok: false; error: ConfigError }

export interface Gateway {
  /** `http://host:port` */
  url: string
  port: number
  /** The store the gateway writes spans to and budgets read (the pipeline's client; closed by `close`). */
  store: Store
  /** Read the config file again and serve it; a bad file is refused and the old config stays. */
  reload(): Promise<ReloadOutcome>
  /** Stop accepting, let calls in flight finish (up to gateway.shutdownTimeoutMs), flush spans, close. */
  close(): Promise<void>
}

/**
 * Start `switchyard gateway`: one HTTP server serving the router in the providers' wire
 * formats, with the collector's pipeline in the same process (router spans go straight
 * into its queue, and budgets read its store), so one command is the whole stack.
 * Without virtual keys it refuses a non-loopback host unless `noAuth` says so.
 */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const { config } = options
  const host = options.host ?? config.gateway.host ?? '127.0.0.1'
  const port = options.port ?? config.gateway.port ?? 4000
  const loopback = isLoopbackHost(host)
  if (config.gateway.keys.length === 0 && !loopback && options.noAuth !== true) {
    throw new ConfigError({
      message: `the gateway has no virtual keys (gateway.keys) and would listen on ${host}, which is not loopback: add keys (switchyard keys create), listen on 127.0.0.1, or pass --no-auth`,
      issues: [{ path: 'gateway.keys', message: 'empty, on a non-loopback host' }],
    })
  }
  const pipeline = await openCollectorPipeline({
    ...options.collector,
    store: options.store ?? config.store ?? DEFAULT_STORE_URL,
    queueDirectory: options.queueDirectory ?? '.switchyard/queue',
  })
  let telemetry: Telemetry | undefined
  let generation: GatewayGeneration
  try {
    telemetry = options.telemetry === false ? undefined : startTelemetry({
      exporter: new InProcessSpanExporter(pipeline),
      serviceName: options.telemetry?.serviceName ?? config.serviceName ?? 'switchyard-gateway',
      scheduledDelayMillis: options.telemetry?.scheduledDelayMillis,
      captureMessageContent: options.telemetry?.captureMessageContent ?? config.captureMessageContent,
    })
    generation = buildGeneration({ config, spendSource: createStoreSpendSource(pipeline.store), dependencies: options.routerDependencies })
  } catch (error) {
    await telemetry?.shutdown()
    await pipeline.close({ flush: false })
    throw error
  }
  const lifecycle = new GatewayLifecycle({ options, pipeline, telemetry, generation, requireLoopbackHost: config.gateway.keys.length === 0 && options.noAuth !== true })
  try {
    return await lifecycle.listen(host, port)
  } catch (error) {
    await lifecycle.close()
    throw error
  }
}

/** The running gateway's state: the current generation, the server, reloads and shutdown. */
class GatewayLifecycle {
  readonly #options: StartGatewayOptions
  readonly #pipeline: CollectorPipeline
  readonly #telemetry: Telemetry | undefined
  readonly #metrics = new GatewayMetrics()
  readonly #limiter = new KeyRateLimiter()
  readonly #server: Server
  readonly #spendSource: SpendSource
  #generation: GatewayGeneration
  #closing = false
  #closed: Promise<void> | undefined
  #stopWatching: (() => void) | undefined
  #reloading: Promise<ReloadOutcome> = Promise.resolve({ ok: true })

  constructor(parts: { options: StartGatewayOptions; pipeline: CollectorPipeline; telemetry: Telemetry | undefined; generation: GatewayGeneration; requireLoopbackHost: boolean }) {
    this.#options = parts.options
    this.#pipeline = parts.pipeline
    this.#telemetry = parts.telemetry
    this.#generation = parts.generation
    this.#spendSource = createStoreSpendSource(parts.pipeline.store)
    const runtime: GatewayRuntime = {
      generation: () => this.#generation,
      limiter: this.#limiter,
      metrics: this.#metrics,
      pipeline: this.#pipeline,
      endpoints: gatewayEndpoints,
      serverPort: () => (this.#server.address() as AddressInfo | null)?.port ?? 0,
      isClosing: () => this.#closing,
      requireLoopbackHost: parts.requireLoopbackHost,
      loopbackHosts: new LoopbackHostCheck(),
    }
    const { requestTimeoutMs } = parts.generation.config.gateway
    // A client that sends its request slowly (slowloris) is cut off: headers within 30 s,
    // the whole request (headers and body) within requestTimeoutMs, checked every second.
    // Node clears these once the request is in, so they never cut a long answer.
    this.#server = createServer({
      headersTimeout: Math.min(30_000, requestTimeoutMs),
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    }, (request, response) => {
      void handleGatewayRequest(runtime, request, response)
    })
    // Beyond this, connections are refused by the kernel's backlog rather than held open.
    this.#server.maxConnections = parts.generation.config.gateway.maxConcurrentRequests * 2
  }

  async listen(host: string, port: number): Promise<Gateway> {
    // Per-key rate limits are global across gateway processes when the config shares a Redis.
    await this.#limiter.useShared(this.#generation.config.shared)
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    const bound = (this.#server.address() as AddressInfo).port
    const configPath = this.#options.configPath
    if (this.#options.watch === true && configPath !== undefined) {
      this.#stopWatching = watchConfigFile(configPath, () => void this.reload())
    }
    const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    return {
      url: `http://${urlHost}:${bound}`,
      port: bound,
      store: this.#pipeline.store,
      reload: () => this.reload(),
      close: () => this.close(),
    }
  }

  /** Reloads run one at a time, each on the file as it is when it starts. */
  reload(): Promise<ReloadOutcome> {
    this.#reloading = this.#reloading.then(() => this.#reloadOnce()).then((outcome) => {
      try {
        this.#options.onReload?.(outcome)
      } catch (error) {
        diag.warn(`switchyard gateway: the reload listener threw: ${errorSummary(error)}`)
      }
      return outcome
    })
    return this.#reloading
  }

  async #reloadOnce(): Promise<ReloadOutcome> {
    const configPath = this.#options.configPath
    if (configPath === undefined) {
      return { ok: false, error: new ConfigError({ message: 'the gateway was started without a config file: nothing to reload' }) }
    }
    if (this.#closing) return { ok: false, error: new ConfigError({ message: 'the gateway is shutting down' }) }
    let next: GatewayGeneration
    try {
      const config = await loadConfig(configPath, { environment: this.#options.environment })
      next = buildGeneration({ config, spendSource: this.#spendSource, previous: this.#generation, dependencies: this.#options.routerDependencies })
    } catch (error) {
      this.#metrics.countReload(false)
      const refusal = ConfigError.isInstance(error) ? error : new ConfigError({ message: `cannot reload ${configPath}: ${errorSummary(error)}`, cause: error })
      diag.error(`switchyard gateway: the config was not reloaded; the old one stays. ${refusal.message}`)
      return { ok: false, error: refusal }
    }
    warnAboutRestartOnlyChanges(this.#generation.config, next.config)
    const previous = this.#generation
    this.#generation = next
    previous.retire()
    this.#limiter.retain(new Set(next.config.gateway.keys.map((key) => key.name)))
    await this.#limiter.useShared(next.config.shared)
    this.#metrics.countReload(true)
    diag.info(`switchyard gateway: reloaded ${configPath}`)
    return { ok: true }
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutDown()
    return this.#closed
  }

  async #shutDown(): Promise<void> {
    this.#closing = true
    this.#stopWatching?.()
    const serverClosed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeIdleConnections()
    await this.#waitForRequests(this.#generation.config.gateway.shutdownTimeoutMs)
    this.#server.closeAllConnections()
    await serverClosed
    await this.#reloading
    await this.#generation.close()
    await this.#limiter.close()
    try {
      await this.#telemetry?.flush()
    } catch (error) {
      diag.warn(`switchyard gateway: flushing spans at shutdown: ${errorSummary(error)}`)
    }
    await this.#telemetry?.shutdown()
    await this.#pipeline.close()
  }

  /** Wait, in bounded steps, until no request is being served or `timeoutMs` passed. */
  async #waitForRequests(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.#metrics.inFlight > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

function warnAboutRestartOnlyChanges(before: SwitchyardConfig, after: SwitchyardConfig): void {
  const changed: string[] = []
  if (before.store !== after.store) changed.push('store')
  if (before.gateway.host !== after.gateway.host) changed.push('gateway.host')
  if (before.gateway.port !== after.gateway.port) changed.push('gateway.port')
  if (changed.length > 0) diag.warn(`switchyard gateway: ${changed.join(', ')} changed; these take effect at the next start`)
}

import { createHash } from 'node:crypto'
import { SharedBudgetUnavailableError } from './shared-budget-unavailable-error.js'
import { sharedBudgetScript } from './shared-budget-script.js'

/** The little of a node-redis client this module uses, so the package stays an optional import. */
interface RedisConnection {
  connect(): Promise<unknown>
  sendCommand<T>(args: readonly string[]): Promise<T>
  on(event: 'error', listener: (error: unknown) => void): unknown
  destroy(): void
  readonly isReady: boolean
}

export interface RedisScriptClientOptions {
  /** `redis://` or `rediss://` URL (the config's `shared.url`). */
  url: string
  /** A command that takes longer fails, and the shared state counts as unavailable (default 1,000 ms). */
  commandTimeoutMs?: number
  /** The Lua script `run` evaluates (default: the budget script); its errors start with `scriptName`. */
  script?: { source: string; name: string }
  /**
   * Redis did not know the script (NOSCRIPT) and it was loaded again: a Redis that
   * restarted or was flushed, which may have lost every key too (the first run of a
   * process sees it as well).
   */
  onScriptLoaded?: () => void
}

/**
 * One connection to the shared Redis that runs one script (the budget script, or the
 * gateway's rate limit script): EVALSHA, loading
 * the script once when Redis answers NOSCRIPT (a restarted or flushed Redis forgets
 * it). The `redis` package is imported only here and only when shared state is
 * configured, so a process without it loads nothing of it. Commands are not queued
 * while disconnected: they fail at once, so a decision never waits on a Redis that is
 * down, and the client reconnects in the background.
 */
export class RedisScriptClient {
  readonly #options: RedisScriptClientOptions
  readonly #script: { source: string; name: string; sha: string }
  #connection: Promise<RedisConnection> | undefined
  /** The connection once opened (see run). */
  #opened: RedisConnection | undefined
  #closed = false

  constructor(options: RedisScriptClientOptions) {
    this.#options = options
    const script = options.script ?? { source: sharedBudgetScript, name: 'switchyard budget script' }
    this.#script = { ...script, sha: createHash('sha1').update(script.source).digest('hex') }
  }

  /** Connect (once). Rejects with a clear message when the `redis` package is not installed. */
  connect(): Promise<RedisConnection> {
    this.#connection ??= openConnection(this.#options.url).then((connection) => {
      this.#opened = connection
      return connection
    })
    return this.#connection
  }

  /** Connect and wait up to `timeoutMs` for the first connection; true when it is up. */
  async ready(timeoutMs: number): Promise<boolean> {
    const connection = await this.connect()
    const deadline = Date.now() + timeoutMs
    while (!connection.isReady && !this.#closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    return connection.isReady
  }

  /** Run the script; rejects with SharedBudgetUnavailableError when Redis does not answer. */
  async run(keys: readonly string[], args: readonly string[]): Promise<unknown> {
    if (this.#closed) throw new SharedBudgetUnavailableError({ message: 'the shared budget store is closed' })
    // Once open, the connection is used as it is: no turn of the event loop on its promise per command.
    const connection = this.#opened ?? await this.connect()
    if (!connection.isReady) throw new SharedBudgetUnavailableError({ message: `Redis at ${redactedUrl(this.#options.url)} is not connected` })
    // One array, built once: a reserve batch carries hundreds of arguments.
    const command = ['EVALSHA', this.#script.sha, String(keys.length)]
    for (const key of keys) command.push(key)
    for (const arg of args) command.push(arg)
    try {
      return await this.#timed(connection.sendCommand(command))
    } catch (error) {
      if (!messageOf(error).startsWith('NOSCRIPT')) throw this.#unavailable(error)
    }
    try {
      await this.#timed(connection.sendCommand(['SCRIPT', 'LOAD', this.#script.source]))
      this.#options.onScriptLoaded?.()
      return await this.#timed(connection.sendCommand(command))
    } catch (error) {
      throw this.#unavailable(error)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    const connection = await this.#connection?.catch(() => undefined)
    connection?.destroy()
  }

  #unavailable(error: unknown): Error {
    if (SharedBudgetUnavailableError.isInstance(error)) return error
    // A script error is a bug, not an outage: keep it as it is.
    if (messageOf(error).includes(this.#script.name)) return error instanceof Error ? error : new Error(messageOf(error))
    return new SharedBudgetUnavailableError({ message: `Redis at ${redactedUrl(this.#options.url)} failed: ${messageOf(error)}`, cause: error })
  }

  #timed<T>(promise: Promise<T>): Promise<T> {
    const timeoutMs = this.#options.commandTimeoutMs ?? 1_000
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SharedBudgetUnavailableError({ message: `Redis at ${redactedUrl(this.#options.url)} did not answer within ${timeoutMs} ms` })), timeoutMs)
    })
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
  }
}

async function openConnection(url: string): Promise<RedisConnection> {
  let redis: { createClient(options: object): unknown }
  try {
    redis = await import('redis') as unknown as typeof redis
  } catch (error) {
    throw new SharedBudgetUnavailableError({
      message: `shared budgets need the optional package "redis": run \`npm install redis\` (${messageOf(error)})`,
      cause: error,
    })
  }
  const connection = redis.createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 1_000) },
  }) as RedisConnection
  // Errors surface through failing commands; an unheard 'error' event would end the process.
  connection.on('error', () => undefined)
  // Not awaited: a Redis that is down at start is an outage like any other, and the client keeps trying.
  connection.connect().catch(() => undefined)
  return connection
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the configured URL'
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

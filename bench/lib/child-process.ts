import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/*
 * Helper processes of a benchmark (the upstream server, the collector, a load
 * generator, one SDK variant) talk to it over Node's IPC channel: the child says
 * `ready` with a value (its URL), then answers requests by name. Every wait has a
 * deadline, and a child whose parent goes away exits by itself.
 */

interface ReadyMessage { kind: 'ready'; value: unknown }
interface RequestMessage { kind: 'request'; id: number; type: string; payload: unknown }
interface ResponseMessage { kind: 'response'; id: number; ok: boolean; value?: unknown; error?: string }
type Message = ReadyMessage | RequestMessage | ResponseMessage

export interface ChildHandle<Ready> {
  readonly pid: number
  readonly ready: Ready
  request<T>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>
  /** Ask the child to stop; kill it (by its pid) if it has not exited within `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>
}

/**
 * Where `tsc -p bench/tsconfig.json` writes the library and the benchmarks as plain
 * JS, relative to the repository root. Not bench/.build: eslint.config.js and
 * .gitignore already leave `.switchyard/` alone, and code under bench/ would resolve
 * the library's dependencies from bench/node_modules before the root's.
 */
export const buildDirectoryName = path.join('.switchyard', 'bench-build')

const aboveLib = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** True when this file runs as tsc output (what `npm run bench` starts), false when it runs as source through tsx. */
export const runsCompiled = aboveLib.endsWith(path.sep + buildDirectoryName)

export const repositoryRoot = runsCompiled ? path.resolve(aboveLib, '..', '..') : aboveLib

export const buildDirectory = path.join(repositoryRoot, buildDirectoryName)

/** The compiled JS of `script` (a `.ts` path relative to the repository root), as an absolute path. */
export function compiledEntry(script: string): string {
  return path.join(buildDirectory, script.replace(/\.ts$/, '.js'))
}

export interface StartChildOptions {
  /**
   * Path of the child's `.ts` entry file, relative to the repository root. A compiled
   * parent starts its compiled JS with plain node; a parent run through tsx starts
   * the source through tsx.
   */
  script: string
  args?: string[]
  /** Extra node flags (e.g. `--cpu-prof`). */
  execArgv?: string[]
  readyTimeoutMs?: number
  env?: NodeJS.ProcessEnv
}

/**
 * The CPU-profiling flags this process was started with (`npm run bench -- --profile`
 * gives them to each benchmark), for its helper processes: an explicit `execArgv`
 * replaces the parent's flags, and the collector's time is spent in its own process.
 * Each profile is named after its process id, so helpers share the directory.
 */
function inheritedProfilingFlags(): string[] {
  const flags: string[] = []
  const parentFlags = process.execArgv
  for (let index = 0; index < parentFlags.length; index++) {
    const flag = parentFlags[index]!
    if (flag === '--cpu-prof' || /^--cpu-prof-(dir|interval)=/.test(flag)) flags.push(flag)
    else if ((flag === '--cpu-prof-dir' || flag === '--cpu-prof-interval') && index + 1 < parentFlags.length) flags.push(flag, parentFlags[++index]!)
  }
  return flags
}

export function startChild<Ready>(options: StartChildOptions): Promise<ChildHandle<Ready>> {
  const entry = runsCompiled ? compiledEntry(options.script) : options.script
  const child = fork(entry, options.args ?? [], {
    cwd: repositoryRoot,
    execArgv: [...(runsCompiled ? [] : ['--import', 'tsx']), ...inheritedProfilingFlags(), ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: options.env ?? process.env,
  })
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>()
  let nextId = 0
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', (code, signal) => {
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer)
      entry.reject(new Error(`${options.script} exited (code ${code}, signal ${signal}) before answering request ${id}`))
    }
    pending.clear()
  })
  child.on('message', (raw: unknown) => {
    const message = raw as Message
    if (message.kind !== 'response') return
    const entry = pending.get(message.id)
    if (entry === undefined) return
    pending.delete(message.id)
    clearTimeout(entry.timer)
    if (message.ok) entry.resolve(message.value)
    else entry.reject(new Error(`${options.script}: ${message.error ?? 'failed'}`))
  })

  return new Promise((resolve, reject) => {
    const readyTimer = setTimeout(() => {
      kill(child)
      reject(new Error(`${options.script} did not start within ${options.readyTimeoutMs ?? 60_000} ms`))
    }, options.readyTimeoutMs ?? 60_000)
    const onExit = (code: number | null): void => {
      clearTimeout(readyTimer)
      reject(new Error(`${options.script} exited with code ${code} before it was ready`))
    }
    child.once('exit', onExit)
    child.on('message', function onReady(raw: unknown) {
      const message = raw as Message
      if (message.kind !== 'ready') return
      child.off('message', onReady)
      child.off('exit', onExit)
      clearTimeout(readyTimer)
      resolve({
        pid: child.pid ?? -1,
        ready: message.value as Ready,
        request<T>(type: string, payload?: unknown, timeoutMs = 600_000): Promise<T> {
          const id = ++nextId
          return new Promise<T>((resolveRequest, rejectRequest) => {
            const timer = setTimeout(() => {
              pending.delete(id)
              rejectRequest(new Error(`${options.script} did not answer "${type}" within ${timeoutMs} ms`))
            }, timeoutMs)
            pending.set(id, { resolve: resolveRequest as (value: unknown) => void, reject: rejectRequest, timer })
            child.send({ kind: 'request', id, type, payload } satisfies RequestMessage)
          })
        },
        async close(timeoutMs = 60_000) {
          if (child.exitCode !== null || child.signalCode !== null) return
          try {
            child.send({ kind: 'request', id: ++nextId, type: 'close', payload: undefined } satisfies RequestMessage)
          } catch {
            // The channel is gone; the kill below ends it.
          }
          const timer = setTimeout(() => kill(child), timeoutMs)
          await exited
          clearTimeout(timer)
        },
      })
    })
  })
}

function kill(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(child.pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

export type Handlers = Record<string, (payload: unknown) => unknown>

/**
 * The child's side: announce `ready`, answer requests with `handlers`, and on
 * `close` (or when the parent goes away) run `onClose` and exit.
 */
export function serveParent(options: { ready: unknown; handlers: Handlers; onClose: () => Promise<void> }): void {
  const send = process.send?.bind(process)
  if (send === undefined) throw new Error('this file runs as a child of a benchmark (it needs an IPC channel)')
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await options.onClose()
      } finally {
        process.exit(0)
      }
    })()
    return closing
  }
  process.on('disconnect', () => void close())
  process.on('message', (raw: unknown) => {
    const message = raw as Message
    if (message.kind !== 'request') return
    if (message.type === 'close') {
      void close()
      return
    }
    const handler = options.handlers[message.type]
    void (async () => {
      try {
        if (handler === undefined) throw new Error(`no handler for "${message.type}"`)
        const value = await handler(message.payload)
        send({ kind: 'response', id: message.id, ok: true, value } satisfies ResponseMessage)
      } catch (error) {
        send({ kind: 'response', id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies ResponseMessage)
      }
    })()
  })
  send({ kind: 'ready', value: options.ready } satisfies ReadyMessage)
}

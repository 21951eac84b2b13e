import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/shared-budget-router.ts', import.meta.url))

export interface RouterChildOptions {
  collectorUrl: string
  redisUrl: string
  workflow: string
  limitUsd: string
  onUnavailable: 'local' | 'block'
  leaseMs?: number
}

/** A router in its own process (fixtures/shared-budget-router.ts), driven by one JSON command at a time. */
export interface RouterChild {
  readonly child: ChildProcess
  send<T = Record<string, unknown>>(command: object, timeoutMs?: number): Promise<T>
  /** SIGKILL: nothing is released, nothing flushed. */
  kill(): Promise<void>
  close(): Promise<void>
}

export async function startRouterChild(options: RouterChildOptions): Promise<RouterChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(options)], { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'pipe'] })
  let errorOutput = ''
  child.stderr?.on('data', (chunk: Buffer) => { errorOutput = (errorOutput + chunk.toString()).slice(-4_000) })
  const waiting: Array<(line: Record<string, unknown>) => void> = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(line) as Record<string, unknown>
    } catch {
      return
    }
    waiting.shift()?.(message)
  })
  const next = (timeoutMs: number): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`router child did not answer within ${timeoutMs} ms: ${errorOutput}`)), timeoutMs)
    waiting.push((message) => {
      clearTimeout(timer)
      if (message.op === 'error') reject(new Error(`router child failed: ${String(message.message)}`))
      else resolve(message)
    })
  })
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  }
  try {
    await next(60_000)
  } catch (error) {
    await kill()
    throw error
  }
  return {
    child,
    async send<T>(command: object, timeoutMs = 60_000) {
      const answer = next(timeoutMs)
      child.stdin?.write(`${JSON.stringify(command)}\n`)
      return await answer as T
    },
    kill,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const answer = next(20_000).catch(() => undefined)
      child.stdin?.write(`${JSON.stringify({ op: 'close' })}\n`)
      await answer
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))])
      await kill()
    },
  }
}

/**
 * Bounded call loops: every loop stops at `count` calls or `maxMs`, whichever comes
 * first, so a slow or stuck variant cannot hold the benchmark open.
 */

export interface SequentialRun {
  /** One latency per completed call, in nanoseconds. */
  samples: number[]
  errors: number
  firstError?: string
}

/** Calls one after another (concurrency 1), timing each. */
export async function runSequential(options: { count: number; maxMs: number; call: () => Promise<unknown> }): Promise<SequentialRun> {
  const samples: number[] = []
  let errors = 0
  let firstError: string | undefined
  const deadline = performance.now() + options.maxMs
  for (let index = 0; index < options.count && performance.now() < deadline; index++) {
    const started = process.hrtime.bigint()
    try {
      await options.call()
      samples.push(Number(process.hrtime.bigint() - started))
    } catch (error) {
      errors += 1
      firstError ??= messageOf(error)
    }
  }
  return { samples, errors, firstError }
}

export interface ConcurrentRun {
  calls: number
  errors: number
  firstError?: string
  seconds: number
  perSecond: number
}

/** `concurrency` workers sharing a budget of `count` calls; throughput over the whole run. */
export async function runConcurrent(options: { concurrency: number; count: number; maxMs: number; call: () => Promise<unknown> }): Promise<ConcurrentRun> {
  let started = 0
  let calls = 0
  let errors = 0
  let firstError: string | undefined
  const begin = performance.now()
  const deadline = begin + options.maxMs
  const worker = async (): Promise<void> => {
    while (started < options.count && performance.now() < deadline) {
      started += 1
      try {
        await options.call()
        calls += 1
      } catch (error) {
        errors += 1
        firstError ??= messageOf(error)
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const seconds = (performance.now() - begin) / 1000
  return { calls, errors, firstError, seconds, perSecond: calls / seconds }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

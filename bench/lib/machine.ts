import { readFileSync } from 'node:fs'
import os from 'node:os'

/** What a result was measured on: without it a ratio means little. */
export interface Machine {
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  platform: string
  kernel: string
  date: string
}

export function describeMachine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((text) => text.startsWith('model name'))
    if (line !== undefined) cpuModel = line.split(':')[1]?.trim() ?? cpuModel
  } catch {
    // Not Linux: os.cpus() is all there is.
  }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    date: new Date().toISOString(),
  }
}

function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    const total = fields.reduce((sum, value) => sum + value, 0)
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

/**
 * The share of the machine's CPU time (all cores) spent busy over `sampleMs`, from
 * /proc/stat: other work on the machine skews every ratio, so each benchmark records
 * how quiet the machine was before it ran. Undefined where /proc/stat is missing.
 */
export async function cpuBusyShare(sampleMs = 1_000): Promise<number | undefined> {
  const before = cpuTimes()
  await new Promise((resolve) => setTimeout(resolve, sampleMs))
  const after = cpuTimes()
  if (before === undefined || after === undefined || after.total === before.total) return undefined
  return (after.busy - before.busy) / (after.total - before.total)
}

/** A gateway process's own use of the machine, read inside it and sent to the benchmark. */
export interface ProcessUsage {
  rssMiB: number
  /** The peak resident set since the process started (getrusage's maxrss). */
  peakRssMiB: number
  heapUsedMiB: number
  /** User + system CPU time since the process started, in microseconds. */
  cpuMicros: number
}

export function processUsage(): ProcessUsage {
  const memory = process.memoryUsage()
  const resources = process.resourceUsage()
  return {
    rssMiB: memory.rss / 2 ** 20,
    peakRssMiB: resources.maxRSS / 1024,
    heapUsedMiB: memory.heapUsed / 2 ** 20,
    cpuMicros: resources.userCPUTime + resources.systemCPUTime,
  }
}

import type { ProcessUsage } from './process-usage.js'

/** A gateway in a child process of the benchmark, listening on a loopback port. */
export interface GatewayProcess {
  url: string
  pid: number
  /** What runs: the package and its version, or the switchyard build. */
  version: string
  /** The process's memory and CPU time, read inside it. */
  usage(): Promise<ProcessUsage>
  close(): Promise<void>
}

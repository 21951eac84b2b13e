import type { SharedHeadroomOptions } from './shared-grants.js'

export interface SharedBudgetStoreOptions {
  /** `redis://` or `rediss://` URL. */
  url: string
  /** What a decision does while Redis does not answer: count in this process alone, or refuse. */
  onUnavailable: 'local' | 'block'
  /** How long a reservation or unconfirmed call lives in Redis unless its process renews it (default 60 s). */
  leaseMs?: number
  /** How often this process renews its live entries, in one call (default leaseMs / 4). */
  renewIntervalMs?: number
  /** Per budget, the most entries Redis holds; past it the oldest is dropped and counted (default 100,000). */
  maxEntriesPerBudget?: number
  /** How long an entry some scan saw stays, for processes whose figure is older (default 120 s). */
  seenRetentionMs?: number
  /** How far process clocks may differ, for comparing scan times across processes (default 1 s). */
  clockSkewMs?: number
  commandTimeoutMs?: number
  /** How long finished, released and seen calls are gathered before one sync sends them (default 10 ms). */
  flushDelayMs?: number
  /** How much room Redis grants this process ahead of its calls under load (see shared-grants.ts). */
  headroom?: SharedHeadroomOptions
  /** Key prefix (default `switchyard:budget:`). */
  keyPrefix?: string
  now?: () => number
}

/** One budget as Redis holds it, amounts in pico-USD (nano-USD precision). */
export interface SharedBudgetFigure {
  name: string
  /** Reservations of calls in flight, across every process. */
  reservedUnits: bigint
  /** Finished calls no process has seen in ClickHouse yet. */
  unconfirmedUnits: bigint
  /** Finished calls seen in ClickHouse, kept a little while for processes whose figure is older. */
  seenEntries: number
  /** Entries dropped because the budget held maxEntriesPerBudget. */
  dropped: number
  /** Entries whose lease ran out (their process stopped renewing them). */
  expired: number
}

/**
 * This process's side of the shared reservations in Redis. The check-and-reserve is
 * one script call (`reserve`); everything else (a call finished, released, or seen in
 * ClickHouse) is batched into the next `sync`, which also renews the leases of every
 * live entry of this process and reads every budget's figure. A sync sends this
 * process's whole live state each time it renews, so after an outage, or a Redis
 * restarted empty, the first successful sync re-registers the calls still in flight
 * and waiting: the state converges without a special path.
 */

import { diag } from '@opentelemetry/api'
import type { SwitchyardConfig } from '../config/switchyard-config.js'
import type { Router } from '../router/create-router.js'
import { VirtualKeyTable } from './keys/virtual-key-table.js'
import { resolveModel, type ResolvedModel } from './resolve-model.js'
import type { SharedBudgetLedger } from './shared-budget-ledger.js'

/** Distinct `model` values whose resolution a generation remembers: its routes, and the `provider/model` names clients use. */
const maxRemembered = 256

/**
 * One loaded config and the router built from it. A request takes the current
 * generation when it starts and holds it until it ends, so a reload never changes the
 * routes under a call in flight; a retired generation closes its router once its last
 * request ended.
 */
export class GatewayGeneration {
  readonly config: SwitchyardConfig
  readonly router: Router
  readonly keys: VirtualKeyTable
  /** The budget ledger this generation's router uses, shared with the next while budgets stay the same. */
  readonly ledger: SharedBudgetLedger | undefined
  readonly #resolved = new Map<string, ResolvedModel>()
  #inFlight = 0
  #retired = false
  #closed: Promise<void> | undefined

  constructor(options: { config: SwitchyardConfig; router: Router; ledger: SharedBudgetLedger | undefined }) {
    this.config = options.config
    this.router = options.router
    this.ledger = options.ledger
    this.keys = new VirtualKeyTable(options.config.gateway.keys)
  }

  /**
   * What a client's `model` names in this config (see resolveModel), remembered: the
   * config does not change under a generation, and a request asked it every time. A
   * name that resolves to nothing throws, as resolveModel does, and is not kept; past
   * `maxRemembered` names the rest are resolved afresh.
   */
  resolveModel(requested: string): ResolvedModel {
    const known = this.#resolved.get(requested)
    if (known !== undefined) return known
    const resolved = Object.freeze(resolveModel(this.config, requested))
    if (this.#resolved.size < maxRemembered) this.#resolved.set(requested, resolved)
    return resolved
  }

  get inFlight(): number {
    return this.#inFlight
  }

  /** Count a request in; pair with `release`. */
  acquire(): void {
    this.#inFlight += 1
  }

  release(): void {
    this.#inFlight -= 1
    if (this.#retired && this.#inFlight === 0) void this.close()
  }

  /** No new request takes this generation; its router closes when the last one ends. */
  retire(): void {
    this.#retired = true
    if (this.#inFlight === 0) void this.close()
  }

  /** Close the router, then let go of the budget ledger (once). */
  close(): Promise<void> {
    this.#closed ??= this.router.close().catch((error: unknown) => {
      diag.warn(`switchyard gateway: closing a retired router failed: ${error instanceof Error ? error.message : String(error)}`)
    }).then(() => this.ledger?.release())
    return this.#closed
  }
}

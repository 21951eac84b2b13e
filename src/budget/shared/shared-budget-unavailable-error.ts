import { SwitchyardError } from '../../errors/switchyard-error.js'

/**
 * The shared Redis of budgets did not answer (down, unreachable, too slow) or the
 * optional `redis` package is missing. The ledger turns it into its
 * `shared.onUnavailable` policy; callers see it only from `start()` or `status()`.
 */
export class SharedBudgetUnavailableError extends SwitchyardError {
  declare readonly code: 'shared_state_unavailable'

  constructor(options: { message: string; cause?: unknown }) {
    super({ code: 'shared_state_unavailable', message: options.message, cause: options.cause })
  }
}

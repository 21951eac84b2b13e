import { ConfigError, type ConfigIssue } from '../errors/config-error.js'
import { SwitchyardError } from '../errors/switchyard-error.js'

/** A store URL or store option that cannot work; the message says which and how to fix it. */
export class StoreConfigError extends ConfigError {
  constructor(message: string, options: { issues?: readonly ConfigIssue[]; cause?: unknown } = {}) {
    super({ message, issues: options.issues, cause: options.cause })
  }
}

/** The store did not answer; the message names it with its password redacted. */
export class StoreUnavailableError extends SwitchyardError {
  declare readonly code: 'store_unavailable'

  constructor(message: string, options: { cause?: unknown } = {}) {
    super({ code: 'store_unavailable', message, cause: options.cause })
  }
}

/** The store's schema cannot be brought to the version this switchyard expects. */
export class StoreMigrationError extends SwitchyardError {
  declare readonly code: 'store_migration_failed'
  readonly storeVersion: number
  readonly knownVersion: number

  constructor(message: string, options: { storeVersion: number; knownVersion: number; cause?: unknown }) {
    super({ code: 'store_migration_failed', message, cause: options.cause })
    this.storeVersion = options.storeVersion
    this.knownVersion = options.knownVersion
  }
}

export function isStoreMigrationError(error: unknown): error is StoreMigrationError {
  return StoreMigrationError.isInstance(error)
}

/** A store URL or store option that cannot work; the message says which and how to fix it. */
export class StoreConfigError extends Error {
  override readonly name = 'StoreConfigError'
  readonly code = 'SWITCHYARD_STORE_CONFIG'
}

/** The store's schema cannot be brought to the version this switchyard expects. */
export class StoreMigrationError extends Error {
  override readonly name = 'StoreMigrationError'
  readonly code = 'SWITCHYARD_STORE_MIGRATION'
  readonly storeVersion: number
  readonly knownVersion: number

  constructor(message: string, options: { storeVersion: number; knownVersion: number; cause?: unknown }) {
    super(message, { cause: options.cause })
    this.storeVersion = options.storeVersion
    this.knownVersion = options.knownVersion
  }
}

export function isStoreMigrationError(error: unknown): error is StoreMigrationError {
  return error instanceof StoreMigrationError
}

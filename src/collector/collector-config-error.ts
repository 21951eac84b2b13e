import { ConfigError, type ConfigIssue } from '../errors/config-error.js'

/** A collector option that cannot work; names the option. */
export class CollectorConfigError extends ConfigError {
  constructor(message: string, options: { issues?: readonly ConfigIssue[] } = {}) {
    super({ message, issues: options.issues })
  }
}

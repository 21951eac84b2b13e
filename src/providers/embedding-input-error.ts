import { SwitchyardError } from '../errors/switchyard-error.js'

/**
 * An embeddings request whose input cannot be sent: too many inputs, one that is
 * not a non-empty string, too much text in all, or a bad `dimensions`. Thrown
 * before any call; `field` names the culprit as the caller wrote it (`input[3]`).
 */
export class EmbeddingInputError extends SwitchyardError {
  declare readonly code: 'request_invalid'
  readonly field: string

  constructor(field: string, problem: string) {
    super({ code: 'request_invalid', message: `${field}: ${problem}` })
    this.field = field
  }
}

export function isEmbeddingInputError(error: unknown): error is EmbeddingInputError {
  return EmbeddingInputError.isInstance(error)
}

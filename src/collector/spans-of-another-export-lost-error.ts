import { SwitchyardError } from '../errors/switchyard-error.js'

/**
 * Some spans of an export were left out because another export in flight was appending
 * the same ones, and that append failed: none of them is on disk, so this export is not
 * acknowledged either, and sending it again stores them. A queue write failure seen from
 * the export that did not make it, hence its code.
 */
export class SpansOfAnotherExportLostError extends SwitchyardError {
  declare readonly code: 'queue_write_failed'

  constructor(message: string) {
    super({ code: 'queue_write_failed', message })
  }
}

import { invalidField } from '../gateway-error.js'
import type { JsonObject } from '../request-fields.js'
import { withoutCarriedState } from './carried-state.js'
import type { ParseContext, TargetFormat } from '../wire-format.js'

/** Target formats that read Anthropic's own fields (a simulated target reads no provider field, so it loses none that matters). */
const anthropicFormats: ReadonlySet<TargetFormat> = new Set(['anthropic', 'simulated'])

/** Where a body may hide an unmodelled field below a modelled one; past this many, a 400 rather than work. */
const maxNotes = 4096

/** The first target format of `context` that is not Anthropic's, or undefined when every target speaks it. */
export function foreignFormat(context: ParseContext): TargetFormat | undefined {
  return [...context.targetFormats].find((format) => !anthropicFormats.has(format))
}

interface Note {
  path: string
  /** True when another format cannot honour it at all (a 400 there); false when switchyard's words carry its meaning. */
  required: boolean
}

/**
 * Unmodelled fields found inside modelled ones (`cache_control` on a content block, a
 * `document` block, a server tool): switchyard cannot carry them in its own words, so
 * the only faithful way on is the client's whole top-level field (`messages`, `system`,
 * `tools`), sent untouched in place of the one the adapter builds. That can only be
 * done when every target speaks Anthropic; otherwise the first is a 400 naming it.
 * A field whose meaning switchyard's words carry well enough (a tool result's
 * `is_error`, told in its text) is noted as preferred: untouched to Anthropic, and
 * no 400 elsewhere.
 */
export class UnmodelledFields {
  readonly #notes: Note[] = []
  #carriedState = false

  /** The field at `path` (dotted, its first segment the top-level field) cannot be carried to another format. */
  note(path: string): void {
    this.#add({ path, required: true })
  }

  /** The field at `path` is best sent untouched, but another format may do without it. */
  prefer(path: string): void {
    this.#add({ path, required: false })
  }

  /** The messages hold switchyard's carried-state blocks, which no provider may see. */
  carriedStateSeen(): void {
    this.#carriedState = true
  }

  /**
   * The client's top-level fields that hold an unmodelled field, to send on untouched,
   * or undefined when there are none. Throws a 400 naming the first that cannot be
   * carried when a target speaks another format.
   */
  settle(body: JsonObject, context: ParseContext): JsonObject | undefined {
    if (this.#notes.length === 0) return undefined
    const foreign = foreignFormat(context)
    if (foreign !== undefined) {
      const required = this.#notes.find((note) => note.required)
      if (required === undefined) return undefined
      throw invalidField(required.path, `is not a field switchyard models, and a target of this model speaks the ${foreign} format, which cannot honour it`)
    }
    const untouched: JsonObject = {}
    for (const { path } of this.#notes) {
      const root = path.split('.', 1)[0] ?? path
      untouched[root] = root === 'messages' && this.#carriedState ? withoutCarriedState(body[root]) : body[root]
    }
    return untouched
  }

  #add(note: Note): void {
    if (this.#notes.length >= maxNotes) throw invalidField(note.path, `more than ${maxNotes} fields switchyard does not model`)
    this.#notes.push(note)
  }
}

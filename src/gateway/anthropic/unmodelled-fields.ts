import { maxProviderOptionsBytes, maxProviderOptionsDepth } from '../../providers/merge-provider-options.js'
import { invalidField } from '../gateway-error.js'
import type { JsonObject } from '../request-fields.js'
import type { ParseContext, TargetFormat } from '../wire-format.js'
import { withoutCarriedState } from './carried-state.js'
import { nestsWithin } from './nests-within.js'

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
 * `is_error`, told in its text) or that changes no answer (`cache_control`) is noted
 * as preferred: untouched to the route's Anthropic targets, and no 400 for the others.
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
   *
   * Pass-through is bounded (maxProviderOptionsBytes and maxProviderOptionsDepth, with
   * `usedBytes` already taken by top-level fields), so the smallest fields go first; a
   * field that does not fit is a 400 naming what it holds, unless all it holds are
   * hints that change no answer (`cache_control` in a long conversation), which are
   * then sent without it.
   */
  settle(body: JsonObject, context: ParseContext, usedBytes = 0): JsonObject | undefined {
    if (this.#notes.length === 0) return undefined
    const foreign = foreignFormat(context)
    if (foreign !== undefined) {
      const required = this.#notes.find((note) => note.required)
      if (required !== undefined) {
        throw invalidField(required.path, `is not a field switchyard models, and a target of this model speaks the ${foreign} format, which cannot honour it`)
      }
      // Hints still reach the route's Anthropic targets: each format reads only its own providerOptions.
      if (!context.targetFormats.has('anthropic')) return undefined
    }
    const candidates = this.#roots().map((root) => {
      const value = root.name === 'messages' && this.#carriedState ? withoutCarriedState(body[root.name]) : body[root.name]
      // Depth first: JSON.stringify recurses, and a value nested past the bound is refused anyway.
      const bytes = nestsWithin(value, maxProviderOptionsDepth - 1) ? Buffer.byteLength(JSON.stringify(value) ?? 'null') + root.name.length + 4 : Infinity
      return { ...root, value, bytes }
    })
    let remaining = maxProviderOptionsBytes - usedBytes
    const untouched: JsonObject = {}
    for (const candidate of candidates.sort((left, right) => left.bytes - right.bytes)) {
      if (candidate.bytes <= remaining) {
        untouched[candidate.name] = candidate.value
        remaining -= candidate.bytes
      } else if (candidate.required !== undefined) {
        throw invalidField(
          candidate.required,
          `is not a field switchyard models; it can reach Anthropic only with \`${candidate.name}\` sent untouched, which is over the ${maxProviderOptionsBytes} bytes or ${maxProviderOptionsDepth} levels switchyard passes through`,
        )
      }
    }
    return Object.keys(untouched).length === 0 ? undefined : untouched
  }

  /** Each top-level field noted, with the first note in it that cannot go without it. */
  #roots(): { name: string; required: string | undefined }[] {
    const roots = new Map<string, string | undefined>()
    for (const note of this.#notes) {
      const name = note.path.split('.', 1)[0] ?? note.path
      if (!roots.has(name)) roots.set(name, undefined)
      if (note.required && roots.get(name) === undefined) roots.set(name, note.path)
    }
    return [...roots].map(([name, required]) => ({ name, required }))
  }

  #add(note: Note): void {
    if (this.#notes.length >= maxNotes) throw invalidField(note.path, `more than ${maxNotes} fields switchyard does not model`)
    this.#notes.push(note)
  }
}

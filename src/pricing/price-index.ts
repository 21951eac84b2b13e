import { ConfigError } from '../errors/config-error.js'
import { modelIdCandidates } from './model-id-candidates.js'
import type { SourcedPriceEntry } from './parse-price-entries.js'
import type { PriceEntry } from './price-entry.js'
import { PriceTableError } from './price-table-error.js'
import type { PriceLookup, PriceQuery, PriceTable } from './price-table.js'
import { priceSchedule, type PriceSchedule } from './price-schedule.js'
import { providerKey } from './provider-key.js'
import { priceAsTarget, type UnknownModelPolicy } from './unknown-model-policy.js'
import { dearestSchedule, standardSchedulesOf, type UnknownModelPrice } from './unknown-model-price.js'
import { UnknownModelWarnings } from './unknown-model-warnings.js'

export interface PriceIndexOptions {
  providerAliases: Readonly<Record<string, string>>
  warningLimit?: number
  unknownModel?: UnknownModelPolicy
  /** Where the policy was configured, for an error that names it (`prices.unknownModel`). */
  unknownModelPath?: string
}

interface ModelHistory {
  /** Entries of one model, oldest first. */
  entries: PriceEntry[]
}

const unknownModel = Symbol('unknown model')
/** Far enough ahead that every entry is in force: a `priceAs` model must be priced at some time. */
const endOfTime = new Date(8.64e15)
const resolvedLimit = 4_096

/**
 * The lookup structure behind a PriceTable: provider key → model id or alias
 * → the model's price history. Lookups are case-insensitive; an alias that
 * two models claim is a PriceTableError at build time, never a coin toss.
 */
export class PriceIndex implements PriceTable {
  readonly entries: readonly PriceEntry[]
  readonly unknownModelWarnings: UnknownModelWarnings
  readonly unknownModel: UnknownModelPolicy
  /** The schedule of a `{ inputPerMillion, outputPerMillion }` policy, resolved once. */
  readonly #fixedFallback: PriceSchedule | undefined
  readonly #providers = new Map<string, Map<string, ModelHistory>>()
  #dearestOfAnyMemo: { second: number; schedule: PriceSchedule | undefined } | undefined
  readonly #providerAliases: Readonly<Record<string, string>>
  /** Provider → model id → what it resolved to; nested rather than keyed by a joined string, which would be built on every lookup. */
  readonly #resolved = new Map<string, Map<string, ModelHistory | typeof unknownModel>>()
  #resolvedCount = 0

  constructor(sourced: readonly SourcedPriceEntry[], options: PriceIndexOptions) {
    this.#providerAliases = options.providerAliases
    this.unknownModelWarnings = new UnknownModelWarnings(options.warningLimit)
    this.unknownModel = options.unknownModel ?? 'mostExpensive'
    const policy = this.unknownModel
    this.#fixedFallback = typeof policy === 'object' && 'inputPerMillion' in policy
      ? priceSchedule({ input: policy.inputPerMillion, output: policy.outputPerMillion })
      : undefined
    const histories = new Map<string, ModelHistory>()
    const ordered = [...sourced].sort((left, right) => compareEntries(left.entry, right.entry))
    for (const { entry } of ordered) {
      const provider = providerKey(entry.provider, this.#providerAliases)
      const key = `${provider}\u0000${entry.model.toLowerCase()}`
      let history = histories.get(key)
      if (history === undefined) {
        history = { entries: [] }
        histories.set(key, history)
        this.#claim(provider, entry.model, history, { entry, sourced })
      }
      history.entries.push(entry)
    }
    for (const { entry } of ordered) {
      const provider = providerKey(entry.provider, this.#providerAliases)
      const history = histories.get(`${provider}\u0000${entry.model.toLowerCase()}`)
      if (history === undefined) continue
      for (const alias of entry.aliases) this.#claim(provider, alias, history, { entry, sourced })
    }
    this.entries = ordered.map(({ entry }) => entry)
    if (typeof policy === 'object' && 'priceAs' in policy && !this.find({ ...priceAsTarget(policy.priceAs), at: endOfTime }).found) {
      const path = `${options.unknownModelPath ?? 'unknownModel'}.priceAs`
      const message = `"${policy.priceAs}" is not a model the price table prices; name a priced "<provider>/<model>" or give { inputPerMillion, outputPerMillion }`
      throw new ConfigError({ message: `Invalid unknown-model policy at ${path}: ${message}`, issues: [{ path, message }] })
    }
  }

  unknownModelPrice(query: PriceQuery): UnknownModelPrice | undefined {
    const policy = this.unknownModel
    if (this.#fixedFallback !== undefined) {
      return { version: 'unknown_model:fallback', description: 'at the configured fallback prices', schedule: this.#fixedFallback }
    }
    if (typeof policy === 'object' && 'priceAs' in policy) {
      const lookup = this.find({ ...priceAsTarget(policy.priceAs), at: query.at })
      if (!lookup.found) return undefined
      const entry = lookup.entry
      return { version: `unknown_model:price_as:${entry.version}`, description: `as ${policy.priceAs}`, schedule: entry.prices, entry }
    }
    return this.#dearestOf(query)
  }

  /**
   * The dearest standard prices in force at `query.at` among the models of the call's
   * provider; for a provider with none (a local host, an unlisted gateway), the
   * dearest the table knows of any provider, so that its spend never reads as zero.
   * A user who runs free models says so with price entries of 0 for them.
   */
  #dearestOf(query: PriceQuery): UnknownModelPrice | undefined {
    const provider = providerKey(query.provider, this.#providerAliases)
    const own = dearestIn(this.#providers.get(provider)?.values() ?? [], query.at)
    if (own !== undefined) return { version: `unknown_model:most_expensive:${provider}`, description: `at the dearest ${provider} prices`, schedule: own }
    const any = this.#dearestOfAny(query.at)
    if (any === undefined) return undefined
    return { version: 'unknown_model:most_expensive:any', description: `at the dearest prices of any provider (the table has none for ${provider})`, schedule: any }
  }

  /**
   * The dearest schedule of the whole table at `at`, kept for the second it was asked
   * for: it walks every history, and a busy local host asks for it on every call.
   */
  #dearestOfAny(at: Date): PriceSchedule | undefined {
    const second = Math.floor(at.getTime() / 1000)
    if (this.#dearestOfAnyMemo?.second !== second) {
      this.#dearestOfAnyMemo = { second, schedule: dearestIn([...this.#providers.values()].flatMap((models) => [...models.values()]), at) }
    }
    return this.#dearestOfAnyMemo.schedule
  }

  find(query: PriceQuery): PriceLookup {
    const history = this.#historyOf(query)
    if (history === undefined) return { found: false, reason: 'unknown_model' }
    const entry = inForce(history.entries, query.at)
    return entry === undefined ? { found: false, reason: 'not_in_force' } : { found: true, entry }
  }

  /**
   * The price history a provider and model id resolve to, remembered: every call is
   * priced, and resolving means lower-casing, alias lookups and snapshot patterns.
   * The table never changes, so neither does the answer. At most `resolvedLimit`
   * ids are kept (a caller may send any model id); past it the memo starts over.
   */
  #historyOf(query: PriceQuery): ModelHistory | undefined {
    let models = this.#resolved.get(query.provider)
    const known = models?.get(query.model)
    if (known !== undefined) return known === unknownModel ? undefined : known
    let found: ModelHistory | undefined
    for (const { provider, model } of this.#candidates(query)) {
      found = this.#providers.get(provider)?.get(model)
      if (found !== undefined) break
    }
    if (this.#resolvedCount >= resolvedLimit) {
      this.#resolved.clear()
      this.#resolvedCount = 0
      models = undefined
    }
    if (models === undefined) {
      models = new Map()
      this.#resolved.set(query.provider, models)
    }
    models.set(query.model, found ?? unknownModel)
    this.#resolvedCount += 1
    return found
  }

  /**
   * Where to look, in order: the model under the call's provider, then, for
   * an OpenRouter-style id (`openai/gpt-4o`) whose prefix names a provider the
   * table knows, the rest of the id under that provider. A host whose own ids
   * contain a slash (Groq's `openai/gpt-oss-120b`) matches in the first step.
   */
  *#candidates(query: PriceQuery): Generator<{ provider: string; model: string }> {
    const provider = providerKey(query.provider, this.#providerAliases)
    for (const model of modelIdCandidates(query.model)) yield { provider, model }
    const bare = query.model.trim().replace(/^models\//i, '')
    const slash = bare.indexOf('/')
    if (slash <= 0) return
    const vendor = providerKey(bare.slice(0, slash), this.#providerAliases)
    if (vendor === provider || !this.#providers.has(vendor)) return
    for (const model of modelIdCandidates(bare.slice(slash + 1))) yield { provider: vendor, model }
  }

  #claim(
    provider: string,
    name: string,
    history: ModelHistory,
    context: { entry: PriceEntry; sourced: readonly SourcedPriceEntry[] },
  ): void {
    let models = this.#providers.get(provider)
    if (models === undefined) {
      models = new Map()
      this.#providers.set(provider, models)
    }
    const key = name.toLowerCase()
    const holder = models.get(key)
    if (holder === undefined) {
      models.set(key, history)
      return
    }
    if (holder === history) return
    const owner = holder.entries[0]?.model ?? '?'
    const where = context.sourced.find((item) => item.entry === context.entry)
    throw new PriceTableError({
      origin: where?.origin ?? 'entries',
      ...(where === undefined ? {} : { index: where.index }),
      provider: context.entry.provider,
      model: context.entry.model,
      path: 'aliases',
      problem: `"${name}" already names model ${owner} of provider ${provider}`,
    })
  }
}

function compareEntries(left: PriceEntry, right: PriceEntry): number {
  return (
    left.provider.localeCompare(right.provider) ||
    left.model.localeCompare(right.model) ||
    left.effectiveFrom.getTime() - right.effectiveFrom.getTime()
  )
}

/** The latest entry whose effectiveFrom is not after `at`. */
function inForce(entries: readonly PriceEntry[], at: Date): PriceEntry | undefined {
  const time = at.getTime()
  let chosen: PriceEntry | undefined
  for (const entry of entries) {
    if (entry.effectiveFrom.getTime() <= time) chosen = entry
    else break
  }
  return chosen
}

/** The dearest standard schedule in force at `at` across these histories (a model's aliases share one, read once). */
function dearestIn(histories: Iterable<ModelHistory>, at: Date): PriceSchedule | undefined {
  const schedules: PriceSchedule[] = []
  for (const history of new Set(histories)) {
    const entry = inForce(history.entries, at)
    if (entry !== undefined) schedules.push(...standardSchedulesOf(entry))
  }
  return dearestSchedule(schedules)
}

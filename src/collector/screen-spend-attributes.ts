import type { AttributeMap } from './otlp/attribute-map.js'
import { spendAttributeLimits as limits } from './spend-attribute-limits.js'

const costKey = 'switchyard.cost.usd'
const sourceKey = 'switchyard.cost.source'
const versionKey = 'switchyard.price.version'

/** Every attribute `llm_calls` reads a token count from, the older GenAI names included. */
const tokenCountKeys = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.reasoning.output_tokens',
] as const

const claimKeys = [costKey, sourceKey, versionKey] as const

/** Where a refused value is kept: `switchyard.rejected.<its attribute>`. */
export const rejectedAttributePrefix = 'switchyard.rejected.'

const auditKeys = [...tokenCountKeys, ...claimKeys].map((key) => `${rejectedAttributePrefix}${key}`)

/** The bound as digits ("10000"), to compare a cost's whole USD with. */
const maxCostWhole = String(limits.maxCallCostUsd)
const leadingZeros = /^0+/
const zeroPattern = /^[0.]*$/

/**
 * Refuse, in place, what a span claims about its spend beyond spendAttributeLimits.
 * A token count that is not plain digits within bounds is removed. A cost claim
 * (`switchyard.cost.usd` with its source and price version) is removed unless the
 * cost is a plain decimal within bounds and its source is `catalog`, `provider` or
 * `estimate`; the span is then priced from its tokens like one that never had a
 * cost. Each refused value is kept, bounded, under `switchyard.rejected.<attribute>`
 * (values a span brings there itself are dropped: those attributes are the
 * collector's word). A cost of 0 marked `unknown`, which the router writes for a
 * model it has no price for, is removed without counting: the collector's price
 * table may know the model. Returns how many claims were refused (a cost claim
 * counts once). Never throws: it is the guard, not an enrichment.
 */
export function screenSpendAttributes(attributes: AttributeMap): number {
  for (const key of auditKeys) {
    if (attributes[key] !== undefined) delete attributes[key]
  }
  let rejected = 0
  for (const key of tokenCountKeys) {
    const text = attributes[key]
    if (text === undefined || isTokenCount(text)) continue
    keepForAudit(attributes, key, text)
    delete attributes[key]
    rejected += 1
  }
  const cost = attributes[costKey]
  if (cost === undefined) return rejected
  const source = attributes[sourceKey]
  const valid = isCost(cost)
  if (valid && source !== undefined && limits.costSources.has(source)) return rejected
  const unpriced = valid && source === 'unknown' && zeroPattern.test(cost)
  for (const key of claimKeys) {
    const text = attributes[key]
    if (text === undefined) continue
    if (!unpriced) keepForAudit(attributes, key, text)
    delete attributes[key]
  }
  return unpriced ? rejected : rejected + 1
}

function isTokenCount(text: string): boolean {
  return limits.tokenCountPattern.test(text) && Number(text) <= limits.maxTokenCount
}

/**
 * True when the text is a cost a span may claim. Compared as text, without a
 * bigint: every span of a switchyard router carries a cost, so this runs for
 * nearly every span the collector receives.
 */
function isCost(text: string): boolean {
  if (!limits.costPattern.test(text)) return false
  const point = text.indexOf('.')
  const whole = (point === -1 ? text : text.slice(0, point)).replace(leadingZeros, '')
  if (whole.length !== maxCostWhole.length) return whole.length < maxCostWhole.length
  if (whole !== maxCostWhole) return whole < maxCostWhole
  return point === -1 || zeroPattern.test(text.slice(point + 1))
}

function keepForAudit(attributes: AttributeMap, key: string, text: string): void {
  let kept = text.length > limits.maxRejectedTextLength ? text.slice(0, limits.maxRejectedTextLength) : text
  // Never end on half of a surrogate pair: the row must stay valid UTF-8.
  const last = kept.charCodeAt(kept.length - 1)
  if (last >= 0xd800 && last <= 0xdbff) kept = kept.slice(0, -1)
  attributes[`${rejectedAttributePrefix}${key}`] = kept
}

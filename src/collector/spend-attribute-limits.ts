/**
 * What a span may claim about its own spend. Anyone who can send spans can write
 * these attributes, and every budget and report sums them, so a claim outside
 * these limits is refused at ingest (see screenSpendAttributes). Migration 5's
 * `llm_calls` view applies the same limits to spans that reach the store another
 * way (the official collector); its copy is frozen text, and
 * test/collector/cost-validation.test.ts checks that both paths agree.
 */
export const spendAttributeLimits = {
  /**
   * `switchyard.cost.usd`: a plain non-negative decimal of at most 12 decimal places
   * (the scale of `llm_calls.CostUsd`): no sign, exponent, spaces, hex, `5.` or `.5`.
   * Our own spans write exactly this (formatUsd). The 20 digits before the point
   * only keep leading zeros bounded; the value bound is below.
   */
  costPattern: /^[0-9]{1,20}(?:[.][0-9]{1,12})?$/,
  /**
   * USD 10,000 per call, a whole number of USD (checked as text). The dearest call
   * the catalog can price today (o1: a full 200K-token prompt at $15/M and 100K
   * output tokens at $60/M) costs about $9, and the dearest models outside it
   * (o1-pro at $150/$600 per million) about $90: the bound is 100 times that, so no
   * real figure is refused, while 10^22 calls at the bound still sum exactly in
   * Decimal(38, 12). A constant rather than a collector option: the store's view
   * needs the same bound and cannot read the collector's options, and one span must
   * cost the same whichever collector wrote it.
   */
  maxCallCostUsd: 10_000,
  /** The sources a taken cost may claim; `unknown` says the call was not priced. */
  costSources: new Set(['catalog', 'provider', 'estimate']),
  /** `gen_ai.usage.*`: plain digits, as OTLP integers arrive. */
  tokenCountPattern: /^[0-9]{1,9}$/,
  /**
   * 10^8 tokens per count: ten times the largest context window offered today
   * (10M tokens), and at the dearest catalog price ($60 per million) still under
   * the cost bound, so a count within it cannot price a call past it either.
   */
  maxTokenCount: 100_000_000,
  /** A refused value is kept for audit up to this many UTF-16 code units (a real cost is at most 33). */
  maxRejectedTextLength: 64,
} as const

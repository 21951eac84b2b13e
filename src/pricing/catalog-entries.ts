import type { PriceEntryInput } from './price-entry-schema.js'

/** Claude Sonnet 4 / 4.5 (and 4.6 during its beta) above 200K prompt tokens: 2 × input, 1.5 × output, cache multipliers on top. */
const sonnetLongContext = {
  thresholdInputTokens: 200_000,
  prices: { input: '6', cachedInput: '0.6', cacheWrite5m: '7.5', cacheWrite1h: '12', output: '22.5' },
}

/** Sonnet's long-context tier, and the Batch prices of both of its tiers. */
const sonnetLongContextTiers = {
  longContext: sonnetLongContext,
  serviceTiers: {
    batch: { ...halved({ input: '3', cachedInput: '0.3', cacheWrite5m: '3.75', cacheWrite1h: '6', output: '15' }), longContext: halved(sonnetLongContext.prices) },
  },
}

const geminiCacheNote =
  'Cache reads at 10% of input are confirmed from 2026-01-01; Gemini 2.5 cache reads cost 25% of input before an unconfirmed date, so earlier calls are not priced.'

const mistralSource = 'https://mistral.ai/pricing#api-pricing'

/**
 * OpenAI's Priority processing prices (https://openai.com/api-priority-processing/,
 * read in December 2026; "excludes long context"). The date Priority prices started
 * is not on the page, so they hang on the model's entry: a priority call before
 * that date would be billed at them too.
 */
const openaiPriority = {
  gpt51: { input: '2.5', cachedInput: '0.25', output: '20' },
  gpt5: { input: '2.5', cachedInput: '0.25', output: '20' },
  gpt5Mini: { input: '0.45', cachedInput: '0.045', output: '3.6' },
  gpt41: { input: '3.5', cachedInput: '0.875', output: '14' },
}

const openaiPriorityNote = 'Priority prices from https://openai.com/api-priority-processing/ (read 2026-12); flex prices for this model are not confirmed, so a flex call is billed at the standard prices and flagged service_tier_unpriced.'

/**
 * The built-in price catalog: USD per million tokens, as decimal strings.
 *
 * Every number was read from the provider's price page named in `source` and
 * cross-checked against public price tables (models.dev, pydantic/genai-prices,
 * LiteLLM, provider docs mirrors) in November 2026. A model whose numbers could
 * not be confirmed is left out rather than guessed: calls to it are priced as
 * `unknown`, and users can add it with `createPriceTable({ entries })`.
 *
 * `effectiveFrom` is the first day the entry's prices are known to apply: the
 * model's launch where its price never changed, otherwise the documented date
 * of the change. Calls before the first entry of a model count under the
 * unknown-model policy (src/pricing/unknown-model-policy.ts).
 *
 * December 2026 update (issue 17): GPT-5.1, GPT-5.4 nano and Gemini 3 Flash
 * Preview added, OpenAI Priority prices, o4-mini Flex and Anthropic Batch
 * prices added as service tiers. What could not be confirmed from a provider's
 * own page, and is therefore left out, is listed in src/pricing/README.md.
 */
export const catalogEntries: readonly PriceEntryInput[] = [
  // ── OpenAI ───────────────────────────────────────────────────────────────
  {
    ...openai('gpt-5.1', '2025-11-13', ['gpt-5.1-2025-11-13'], { input: '1.25', cachedInput: '0.125', output: '10' }),
    source: 'https://developers.openai.com/api/docs/models/gpt-5.1',
    serviceTiers: { priority: openaiPriority.gpt51 },
    note: `Read from the model page in December 2026; the snapshot date is the launch. ${openaiPriorityNote}`,
  },
  {
    ...openai('gpt-5.4-nano', '2026-03-17', ['gpt-5.4-nano-2026-03-17'], { input: '0.2', cachedInput: '0.02', output: '1.25' }),
    source: 'https://developers.openai.com/api/docs/models/gpt-5.4-nano',
    note: 'Read from the model page in December 2026; the snapshot date is the launch. Regional (data residency) endpoints cost 10% more and are not modelled.',
  },
  {
    ...openai('gpt-5', '2025-08-07', ['gpt-5-2025-08-07'], { input: '1.25', cachedInput: '0.125', output: '10' }),
    serviceTiers: { priority: openaiPriority.gpt5 },
    note: openaiPriorityNote,
  },
  {
    ...openai('gpt-5-mini', '2025-08-07', ['gpt-5-mini-2025-08-07'], { input: '0.25', cachedInput: '0.025', output: '2' }),
    serviceTiers: { priority: openaiPriority.gpt5Mini },
    note: openaiPriorityNote,
  },
  openai('gpt-5-nano', '2025-08-07', ['gpt-5-nano-2025-08-07'], { input: '0.05', cachedInput: '0.005', output: '0.4' }),
  {
    ...openai('gpt-4.1', '2025-04-14', ['gpt-4.1-2025-04-14'], { input: '2', cachedInput: '0.5', output: '8' }),
    serviceTiers: { priority: openaiPriority.gpt41 },
    note: openaiPriorityNote,
  },
  openai('gpt-4.1-mini', '2025-04-14', ['gpt-4.1-mini-2025-04-14'], { input: '0.4', cachedInput: '0.1', output: '1.6' }),
  openai('gpt-4.1-nano', '2025-04-14', ['gpt-4.1-nano-2025-04-14'], { input: '0.1', cachedInput: '0.025', output: '0.4' }),
  {
    ...openai('gpt-4o', '2024-10-02', ['gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'], {
      input: '2.5',
      cachedInput: '1.25',
      output: '10',
    }),
    note: 'The gpt-4o alias moved from the 2024-05-13 snapshot ($5/$15) to 2024-08-06 on 2024-10-02.',
  },
  {
    ...openai('gpt-4o-2024-05-13', '2024-05-13', [], { input: '5', output: '15' }),
    note: 'The first GPT-4o snapshot keeps its launch price and has no cached-input discount.',
  },
  {
    ...openai('gpt-4o-mini', '2024-07-18', ['gpt-4o-mini-2024-07-18'], { input: '0.15', cachedInput: '0.075', output: '0.6' }),
    note: 'Prompt caching started on 2024-10-01; before it no call reported cached tokens.',
  },
  openai('o1', '2024-12-17', ['o1-2024-12-17'], { input: '15', cachedInput: '7.5', output: '60' }),
  {
    ...openai('o3', '2025-06-10', ['o3-2025-04-16'], { input: '2', cachedInput: '0.5', output: '8' }),
    note: 'Price after the 80% cut of 2025-06-10; the launch price (2025-04-16 to 2025-06-09) is not in the catalog.',
  },
  openai('o4-mini', '2025-04-16', ['o4-mini-2025-04-16'], { input: '1.1', cachedInput: '0.275', output: '4.4' }),
  // Embeddings bill input tokens only (the span's output tokens are 0).
  openai('text-embedding-3-small', '2024-01-25', [], { input: '0.02', output: '0' }),
  openai('text-embedding-3-large', '2024-01-25', [], { input: '0.13', output: '0' }),
  {
    ...openai('text-embedding-ada-002', '2023-06-13', [], { input: '0.1', output: '0' }),
    note: 'Price after the cut of 2023-06-13 (from $0.40/M); the launch price (2022-12-15 to 2023-06-12) is not in the catalog. Read on the price page in December 2026.',
  },

  // ── Anthropic: cache writes 1.25 × input (5 min) and 2 × input (1 h), reads 0.1 × input ──
  {
    ...anthropic('claude-opus-4-6', '2026-03-13', ['claude-opus-4.6'], '5', '6.25', '10', '0.5', '25'),
    note: 'Flat price across the 1M window from the GA of 2026-03-13; the beta long-context premium before it is not in the catalog.',
  },
  anthropic('claude-opus-4-5', '2025-11-24', ['claude-opus-4-5-20251101', 'claude-opus-4.5'], '5', '6.25', '10', '0.5', '25'),
  anthropic('claude-opus-4-1', '2025-08-05', ['claude-opus-4-1-20250805', 'claude-opus-4.1'], '15', '18.75', '30', '1.5', '75'),
  anthropic('claude-opus-4-0', '2025-05-22', ['claude-opus-4-20250514', 'claude-opus-4'], '15', '18.75', '30', '1.5', '75'),
  {
    ...anthropic('claude-sonnet-4-6', '2026-02-17', ['claude-sonnet-4.6'], '3', '3.75', '6', '0.3', '15'),
    version: 'anthropic/claude-sonnet-4-6@2026-02-17',
    ...sonnetLongContextTiers,
    note: 'During the 1M-context beta, prompts over 200K tokens were billed at the long-context rates.',
  },
  {
    ...anthropic('claude-sonnet-4-6', '2026-03-13', ['claude-sonnet-4.6'], '3', '3.75', '6', '0.3', '15'),
    note: 'The 1M context became generally available on 2026-03-13 at standard rates: no long-context premium.',
  },
  {
    ...anthropic('claude-sonnet-4-5', '2025-09-29', ['claude-sonnet-4-5-20250929', 'claude-sonnet-4.5'], '3', '3.75', '6', '0.3', '15'),
    ...sonnetLongContextTiers,
  },
  {
    ...anthropic('claude-sonnet-4-0', '2025-05-22', ['claude-sonnet-4-20250514', 'claude-sonnet-4'], '3', '3.75', '6', '0.3', '15'),
    ...sonnetLongContextTiers,
  },
  anthropic('claude-haiku-4-5', '2025-10-15', ['claude-haiku-4-5-20251001', 'claude-haiku-4.5'], '1', '1.25', '2', '0.1', '5'),
  {
    ...anthropic(
      'claude-3-5-haiku',
      '2025-05-22',
      ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-latest', 'claude-3.5-haiku'],
      '0.8',
      '1',
      '1.6',
      '0.08',
      '4',
    ),
    note: 'Confirmed on the price page from the 1-hour cache launch (2025-05-22); the earlier price history is not in the catalog.',
  },

  // ── Google Gemini API ────────────────────────────────────────────────────
  {
    ...gemini('gemini-3-flash-preview', '2025-12-17', [], { input: '0.5', cachedInput: '0.05', output: '3' }),
    note: 'Text, image and video input; audio input ($1) is not modelled. Output includes thinking tokens. The launch date is from secondary sources; the prices are those the pricing page lists.',
  },
  {
    ...gemini('gemini-2.5-pro', '2026-01-01', [], { input: '1.25', cachedInput: '0.125', output: '10' }),
    longContext: { thresholdInputTokens: 200_000, prices: { input: '2.5', cachedInput: '0.25', output: '15' } },
    note: geminiCacheNote,
  },
  {
    ...gemini('gemini-2.5-flash', '2026-01-01', [], { input: '0.3', cachedInput: '0.03', output: '2.5' }),
    note: `Text, image and video input; audio input is billed higher and is not modelled. ${geminiCacheNote}`,
  },
  {
    ...gemini('gemini-2.5-flash-lite', '2026-01-01', [], { input: '0.1', cachedInput: '0.01', output: '0.4' }),
    note: `Text, image and video input. ${geminiCacheNote}`,
  },
  {
    ...gemini('gemini-embedding-001', '2025-07-14', [], { input: '0.15', output: '0' }),
    note: 'Input only, from its general availability on 2025-07-14 (read on the price page in December 2026). The API reports no token count for embeddings: calls are priced from estimated tokens, source `estimate`.',
  },
  {
    ...gemini('gemini-2.0-flash', '2025-02-05', ['gemini-2.0-flash-001'], { input: '0.1', cachedInput: '0.025', output: '0.4' }),
    note: 'Text, image and video input; audio input is billed higher and is not modelled.',
  },

  // ── OpenAI-compatible hosts ──────────────────────────────────────────────
  host('groq', 'https://groq.com/pricing', 'llama-3.3-70b-versatile', '2024-12-06', [], { input: '0.59', output: '0.79' }),
  host('groq', 'https://groq.com/pricing', 'llama-3.1-8b-instant', '2024-07-23', [], { input: '0.05', output: '0.08' }),
  {
    ...host('groq', 'https://groq.com/pricing', 'openai/gpt-oss-120b', '2026-06-04', ['gpt-oss-120b'], {
      input: '0.15',
      cachedInput: '0.075',
      output: '0.6',
    }),
    note: 'Confirmed from 2026-06-04; the earlier Groq price of this model is not in the catalog.',
  },
  host('together', 'https://www.together.ai/pricing', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', '2024-12-06', [], {
    input: '0.88',
    output: '0.88',
  }),
  host('together', 'https://www.together.ai/pricing', 'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo', '2024-07-23', [], {
    input: '0.88',
    output: '0.88',
  }),
  host('together', 'https://www.together.ai/pricing', 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', '2024-07-23', [], {
    input: '0.18',
    output: '0.18',
  }),
  ...deepseek('deepseek-chat'),
  ...deepseek('deepseek-reasoner'),
  host('mistral', mistralSource, 'mistral-medium-2508', '2025-08-12', [], { input: '0.4', output: '2' }),
  host('mistral', mistralSource, 'mistral-small-2506', '2025-06-20', [], { input: '0.1', output: '0.3' }),
  host('mistral', mistralSource, 'mistral-large-2512', '2025-12-02', [], { input: '0.5', output: '1.5' }),
]

type Prices = PriceEntryInput['prices']

function openai(model: string, effectiveFrom: string, aliases: string[], prices: Prices): PriceEntryInput {
  return host('openai', 'https://developers.openai.com/api/docs/pricing', model, effectiveFrom, aliases, prices)
}

function anthropic(
  model: string,
  effectiveFrom: string,
  aliases: string[],
  input: string,
  cacheWrite5m: string,
  cacheWrite1h: string,
  cachedInput: string,
  output: string,
): PriceEntryInput {
  const prices = { input, cachedInput, cacheWrite5m, cacheWrite1h, output }
  return {
    ...host('anthropic', 'https://platform.claude.com/docs/en/about-claude/pricing', model, effectiveFrom, aliases, prices),
    serviceTiers: { batch: halved(prices) },
  }
}

/**
 * Anthropic's Message Batches bill 50% of every standard price (the model pages
 * say "50% discount on input and output"; cache reads and writes are halved too).
 * Halving a price of at most 6 decimals can need a 7th: such a price is rounded
 * up, so a batch call is never counted below its bill.
 */
function halved(prices: Record<string, string>): Prices {
  const half = (usd: string): string => {
    const [whole = '0', fraction = ''] = usd.split('.')
    const units = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'))
    const halfUnits = (units + 1n) / 2n
    const text = `${halfUnits / 1_000_000n}.${(halfUnits % 1_000_000n).toString().padStart(6, '0')}`
    return text.replace(/\.?0+$/, '')
  }
  return Object.fromEntries(Object.entries(prices).map(([kind, usd]) => [kind, half(usd)])) as Prices
}

function gemini(model: string, effectiveFrom: string, aliases: string[], prices: Prices): PriceEntryInput {
  return host('gcp.gemini', 'https://ai.google.dev/gemini-api/docs/pricing', model, effectiveFrom, aliases, prices)
}

function host(
  provider: string,
  source: string,
  model: string,
  effectiveFrom: string,
  aliases: string[],
  prices: Prices,
): PriceEntryInput {
  return { provider, model, aliases, version: `${provider}/${model}@${effectiveFrom}`, effectiveFrom, source, prices }
}

/**
 * DeepSeek's two endpoints share one price list. Before 2025-09-05 16:00 UTC
 * it had night-time discounts that a per-token table cannot express, so the
 * catalog starts there; the V3.2 price cut of 2025-09-29 is the second entry.
 */
function deepseek(model: string): PriceEntryInput[] {
  const source = 'https://api-docs.deepseek.com/quick_start/pricing'
  return [
    {
      ...host('deepseek', source, model, '2025-09-05T16:00:00Z', [], { input: '0.56', cachedInput: '0.07', output: '1.68' }),
      version: `deepseek/${model}@2025-09-05`,
    },
    host('deepseek', source, model, '2025-09-29', [], { input: '0.28', cachedInput: '0.028', output: '0.42' }),
  ]
}

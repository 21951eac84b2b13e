import { createPriceTable } from '../../src/pricing/create-price-table.js'
import type { PriceTable } from '../../src/pricing/price-table.js'
import type { UnknownModelPolicy } from '../../src/pricing/unknown-model-policy.js'

const source = 'https://example.com/prices'

/**
 * A price table of made-up models with round prices, without the catalog, so that
 * the figures in the wrap tests follow from these lines alone (USD per million):
 * `openai/tiered-gpt` 1 in, 10 out; priority 2 / 20; flex 0.5 / 5.
 * `openai/cheap-gpt` 0.1 / 0.4 (cheaper on both sides, so the provider's dearest is tiered-gpt's).
 * `anthropic/claude-tiered` 3 / 15; priority 6 / 30; batch 1.5 / 7.5.
 */
export function tieredPriceTable(unknownModel?: UnknownModelPolicy): PriceTable {
  return createPriceTable({
    catalog: false,
    unknownModel,
    entries: [
      {
        provider: 'openai',
        model: 'tiered-gpt',
        aliases: ['tiered-gpt-2026-01-01'],
        effectiveFrom: '2026-01-01',
        source,
        prices: { input: '1', output: '10' },
        serviceTiers: { priority: { input: '2', output: '20' }, flex: { input: '0.5', output: '5' } },
      },
      { provider: 'openai', model: 'cheap-gpt', effectiveFrom: '2026-01-01', source, prices: { input: '0.1', output: '0.4' } },
      {
        provider: 'anthropic',
        model: 'claude-tiered',
        aliases: ['claude-tiered-20260101'],
        effectiveFrom: '2026-01-01',
        source,
        prices: { input: '3', output: '15' },
        serviceTiers: { priority: { input: '6', output: '30' }, batch: { input: '1.5', output: '7.5' } },
      },
    ],
  })
}

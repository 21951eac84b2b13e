import { boundedWireString } from './bounded-wire-string.js'

const tierPattern = /^[A-Za-z0-9_.-]+$/

/**
 * The service tier an answer names (OpenAI `service_tier`: `default`, `flex`,
 * `priority`, ...; Anthropic `usage.service_tier`: `standard`, `priority`, `batch`),
 * kept as the provider wrote it when it is a short plain word: it goes on spans and
 * picks a price, so anything longer or odder is dropped, never trusted.
 */
export function serviceTier(value: unknown): string | undefined {
  const tier = typeof value === 'string' ? boundedWireString(value, 32) : undefined
  return tier !== undefined && tierPattern.test(tier) ? tier : undefined
}

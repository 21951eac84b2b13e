import { serviceTier } from '../providers/service-tier.js'

/**
 * The service tier a request asks for, as a price table names tiers: OpenAI's
 * `service_tier` (`auto`, `default`, `flex`, `priority`, ...) as written, and
 * Anthropic's `standard_only` as `standard` (Anthropic's `auto` stays `auto`:
 * both are the standard prices). Absent when the request names none, or names
 * one that is not a short plain word.
 */
export function requestedServiceTier(value: unknown): string | undefined {
  const tier = serviceTier(value)
  return tier === 'standard_only' ? 'standard' : tier
}

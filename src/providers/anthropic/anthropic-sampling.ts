import { claudeAtLeast } from './claude-version.js'

/** The sampling settings of one Messages request, and the request fields left out. */
export interface AnthropicSampling {
  temperature?: number
  topP?: number
  /** Request fields left out, by their wire names (`top_p`). */
  dropped: string[]
}

/**
 * What sampling settings a Claude model takes. Since Claude Opus 4.1 (and every
 * 4.5-generation model and later: Sonnet 4.5, Haiku 4.5, Opus 4.5, ...), the API
 * answers 400 "`temperature` and `top_p` cannot both be specified for this model"
 * when both are set, so only `temperature` is sent then and `top_p` is reported as
 * dropped. Claude 3.x, Opus 4 and Sonnet 4 still take both. A model whose name
 * does not say its generation is treated as a new one: one setting is always
 * accepted, two are not.
 *
 * With extended thinking on, the API takes no `temperature` other than the default
 * and `top_p` only from 0.95 to 1 ("Thinking isn't compatible with temperature ...
 * modifications"), so those are left out and reported as dropped too.
 */
export function anthropicSampling(
  model: string,
  temperature: number | undefined,
  topP: number | undefined,
  thinking = false,
): AnthropicSampling {
  if (thinking) return thinkingSampling(temperature, topP)
  if (temperature === undefined || topP === undefined || takesBoth(model)) return { temperature, topP, dropped: [] }
  return { temperature, dropped: ['top_p'] }
}

function takesBoth(model: string): boolean {
  return !claudeAtLeast(model, 4, 1)
}

function thinkingSampling(temperature: number | undefined, topP: number | undefined): AnthropicSampling {
  const sampling: AnthropicSampling = { dropped: [] }
  if (temperature !== undefined) sampling.dropped.push('temperature')
  if (topP !== undefined && topP >= 0.95) sampling.topP = topP
  else if (topP !== undefined) sampling.dropped.push('top_p')
  return sampling
}

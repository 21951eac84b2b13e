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
 */
export function anthropicSampling(model: string, temperature: number | undefined, topP: number | undefined): AnthropicSampling {
  if (temperature === undefined || topP === undefined || takesBoth(model)) return { temperature, topP, dropped: [] }
  return { temperature, dropped: ['top_p'] }
}

// `claude-3-7-sonnet-20250219`, `claude-2.1`, `claude-instant-1.2`: the version comes first.
const versionFirst = /claude-(?:instant-)?(\d+)(?:[-.](\d))?(?=$|[-@:.])/
// `claude-opus-4-1-20250805`, `claude-sonnet-4-5@20250929`, `anthropic.claude-haiku-4-5-...`: the family first.
const familyFirst = /claude-[a-z]+-(\d+)(?:-(\d{1,2}))?(?=$|[-@:.])/

function takesBoth(model: string): boolean {
  const match = versionFirst.exec(model) ?? familyFirst.exec(model)
  if (match === null) return false
  const major = Number(match[1])
  const minor = match[2] === undefined ? 0 : Number(match[2])
  return major < 4 || (major === 4 && minor === 0)
}

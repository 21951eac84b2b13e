import type { ModelCallRequest } from '../../model-call/model-call-request.js'
import type { UnsupportedField } from '../unsupported-request-error.js'

/** The major version a Gemini model name says (`gemini-2.5-flash` is 2.5 → 2), or undefined. */
export function geminiGeneration(model: string): { major: number; minor: number } | undefined {
  const match = /gemini-(\d+)(?:\.(\d+))?/.exec(model)
  if (match === null) return undefined
  return { major: Number(match[1]), minor: match[2] === undefined ? 0 : Number(match[2]) }
}

/**
 * The first field of `request` a Gemini model cannot serve, or undefined:
 * - `parallelToolCalls: false`: Gemini has no switch for it (it may answer with
 *   several `functionCall` parts whatever is asked), so the promise cannot be kept;
 *   `true` is what it does anyway;
 * - `reasoning` on a model before Gemini 2.5, which has no thinking config;
 * - `responseFormat` beside tools before Gemini 3: earlier models answer 400 to
 *   function calling with a JSON response type ("Function calling with a response
 *   mime type: 'application/json' is unsupported", reported for gemini-2.5-flash in
 *   symfony/ai#1777 and snailyp/gemini-balance#264).
 * A model whose name does not say its generation is taken as a current one.
 */
export function geminiUnsupportedField(request: ModelCallRequest): UnsupportedField | undefined {
  if (request.parallelToolCalls === false) {
    return { field: 'parallelToolCalls', reason: 'Gemini has no switch to keep it to one function call per answer' }
  }
  const generation = geminiGeneration(request.model)
  if (request.reasoning !== undefined && generation !== undefined && (generation.major < 2 || (generation.major === 2 && generation.minor < 5))) {
    return { field: 'reasoning', reason: `${request.model} has no thinking (Gemini 2.5 and later have it)` }
  }
  if (request.responseFormat !== undefined && request.tools !== undefined && request.tools.length > 0 && generation !== undefined && generation.major < 3) {
    return { field: 'responseFormat', reason: `${request.model} takes no JSON response type beside function calling (Gemini 3 and later do)` }
  }
  return undefined
}

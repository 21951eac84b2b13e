import { responseSchema, responsesResult } from '../providers/openai/responses-result.js'
import { ResponsesStreamAccumulator } from '../providers/openai/responses-stream.js'
import { parseWire } from '../providers/parse-wire.js'
import type { PlannedCall } from './planned-call.js'
import { requestedServiceTier } from './requested-service-tier.js'
import { streamTally } from './stream-tally.js'
import { isRecord, numberOrUndefined, stringOrUndefined } from './wire-value.js'

/**
 * The plan of `responses.create` (plain or `stream: true`; `responses.stream()`
 * and `responses.parse()` call it too). A streamed response carries its usage in
 * its terminal event, so nothing is added to the request.
 */
export function planResponse(body: unknown, providerName: string): PlannedCall | undefined {
  if (!isRecord(body)) return undefined
  // A stored prompt (`prompt: { id }`) may name no model; the answer does.
  const named = stringOrUndefined(body.model)
  const model = named ?? 'unknown'
  const context = { provider: providerName, model, secrets: [] }
  return {
    description: {
      operation: 'chat',
      model,
      modelUnnamed: named === undefined,
      stream: body.stream === true,
      maxTokens: numberOrUndefined(body.max_output_tokens),
      temperature: numberOrUndefined(body.temperature),
      topP: numberOrUndefined(body.top_p),
      serviceTier: requestedServiceTier(body.service_tier),
      prompt: { instructions: body.instructions, input: body.input },
    },
    body,
    recordBody(parsed, recorder) {
      const result = responsesResult(parseWire(parsed, responseSchema, context), context)
      recorder.succeed({ result, usage: isRecord(parsed) && isRecord(parsed.usage) ? result.usage : undefined })
    },
    tally: () => streamTally(new ResponsesStreamAccumulator(context)),
  }
}

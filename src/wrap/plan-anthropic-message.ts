import { anthropicMessageSchema, anthropicResult } from '../providers/anthropic/anthropic-result.js'
import { AnthropicStreamAccumulator } from '../providers/anthropic/anthropic-stream.js'
import { parseWire } from '../providers/parse-wire.js'
import type { PlannedCall } from './planned-call.js'
import { requestedServiceTier } from './requested-service-tier.js'
import { streamTally } from './stream-tally.js'
import { isRecord, numberOrUndefined } from './wire-value.js'

/**
 * The plan of Anthropic's `messages.create` (plain or `stream: true`;
 * `messages.stream()` and `messages.parse()` call it too). Usage arrives in
 * `message_start` and `message_delta`, so nothing is added to the request.
 */
export function planAnthropicMessage(body: unknown, providerName: string): PlannedCall | undefined {
  if (!isRecord(body) || typeof body.model !== 'string') return undefined
  const model = body.model
  const context = { provider: providerName, model, secrets: [] }
  return {
    description: {
      operation: 'chat',
      model,
      stream: body.stream === true,
      maxTokens: numberOrUndefined(body.max_tokens),
      temperature: numberOrUndefined(body.temperature),
      topP: numberOrUndefined(body.top_p),
      serviceTier: requestedServiceTier(body.service_tier),
      prompt: { system: body.system, messages: body.messages },
    },
    body,
    recordBody(parsed, recorder) {
      const result = anthropicResult(parseWire(parsed, anthropicMessageSchema, context), context)
      recorder.succeed({ result, usage: isRecord(parsed) && isRecord(parsed.usage) ? result.usage : undefined })
    },
    tally: () => streamTally(new AnthropicStreamAccumulator(context)),
  }
}

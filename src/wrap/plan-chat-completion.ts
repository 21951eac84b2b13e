import { chatCompletionResult, chatCompletionWire } from '../providers/openai/chat-completions-result.js'
import { ChatCompletionsStreamAccumulator } from '../providers/openai/chat-completions-stream.js'
import { parseWireFast } from '../providers/parse-wire.js'
import type { PlannedCall } from './planned-call.js'
import { requestedServiceTier } from './requested-service-tier.js'
import { streamTally } from './stream-tally.js'
import { isRecord, numberOrUndefined } from './wire-value.js'

/**
 * The plan of `chat.completions.create` (plain or `stream: true`; the SDK's
 * `stream()`, `parse()` and `runTools()` helpers call it too). A stream asks for
 * `stream_options.include_usage`, so its cost is the provider's count and not an
 * estimate; for a caller who did not ask, the extra usage-only chunk is dropped
 * and the `usage: null` the option adds to every other chunk is removed, so they
 * see the chunks they would have seen.
 */
export function planChatCompletion(body: unknown, providerName: string): PlannedCall | undefined {
  if (!isRecord(body) || typeof body.model !== 'string') return undefined
  const model = body.model
  const stream = body.stream === true
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {}
  const addsUsage = stream && streamOptions.include_usage !== true
  const context = { provider: providerName, model, secrets: [] }
  return {
    description: {
      operation: 'chat',
      model,
      stream,
      maxTokens: numberOrUndefined(body.max_completion_tokens) ?? numberOrUndefined(body.max_tokens),
      temperature: numberOrUndefined(body.temperature),
      topP: numberOrUndefined(body.top_p),
      serviceTier: requestedServiceTier(body.service_tier),
      prompt: body.messages,
    },
    body: addsUsage ? withUsageAsked(body, streamOptions) : body,
    recordBody(parsed, recorder) {
      const result = chatCompletionResult(parseWireFast(parsed, chatCompletionWire, context), context)
      recorder.succeed({ result, usage: isRecord(parsed) && isRecord(parsed.usage) ? result.usage : undefined })
    },
    // The SDK swallows `[DONE]`: a finish reason is the end, with or without usage after it.
    tally: () => streamTally(new ChatCompletionsStreamAccumulator(context), (result) => result.rawFinishReason !== ''),
    show: addsUsage ? withoutAddedUsage : undefined,
  }
}

/**
 * A copy of the body that asks for usage. Copied, then set, not `{ ...body, stream_options }`:
 * on Node 20 a spread followed by a property the source lacks takes a slow path of ~2 µs.
 */
function withUsageAsked(body: Record<string, unknown>, streamOptions: Record<string, unknown>): Record<string, unknown> {
  // Spreads, not Object.assign: a `__proto__` key in a JSON-parsed body stays a key.
  const asked = { ...body }
  asked.stream_options = { ...streamOptions, include_usage: true }
  return asked
}

function withoutAddedUsage(chunk: unknown): boolean {
  if (!isRecord(chunk)) return true
  if (Array.isArray(chunk.choices) && chunk.choices.length === 0 && isRecord(chunk.usage)) return false
  if (chunk.usage === null) delete chunk.usage
  return true
}

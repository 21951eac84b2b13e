import { chatCompletionsUsage, chatCompletionsUsageSchema } from '../providers/openai/openai-usage.js'
import { parseWire } from '../providers/parse-wire.js'
import type { PlannedCall } from './planned-call.js'
import { isRecord, stringOrUndefined } from './wire-value.js'

/** The plan of `embeddings.create`: an `embeddings {model}` span priced on its input tokens. */
export function planEmbedding(body: unknown, providerName: string): PlannedCall | undefined {
  if (!isRecord(body) || typeof body.model !== 'string') return undefined
  const context = { provider: providerName, model: body.model, secrets: [] }
  return {
    description: { operation: 'embeddings', model: body.model, stream: false, prompt: body.input },
    body,
    recordBody(parsed, recorder) {
      const answer = isRecord(parsed) ? parsed : {}
      const usage = isRecord(answer.usage) ? chatCompletionsUsage(parseWire(answer.usage, chatCompletionsUsageSchema, context)) : undefined
      recorder.succeed({ model: stringOrUndefined(answer.model), usage })
    },
  }
}

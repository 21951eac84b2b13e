import type { EmbeddingCallResult } from '../model-call/embedding.js'
import { checkEmbeddingInput } from '../providers/check-embedding-input.js'
import type { EmbeddingProviderRequest } from '../providers/provider.js'
import type { CallScope } from '../telemetry/workflow-context.js'
import type { AttemptCall } from './attempt-call.js'
import { embeddingOperation } from './embedding-operation.js'
import type { EmbeddingRequest, EmbeddingResult } from './embedding-request.js'
import { routeAttempts } from './route-attempts.js'
import { RoutedCall } from './routed-call.js'
import type { RouterParts } from './router-parts.js'

/**
 * One routed embeddings request: its input checked before anything else (a bad
 * one is an EmbeddingInputError naming `input[3]`), then prepared, attempted
 * (retries, fallbacks, hedging, budget) and finished by its RoutedCall exactly
 * as a chat call is.
 */
export async function routedEmbedding(parts: RouterParts, request: EmbeddingRequest, scope: CallScope): Promise<EmbeddingResult> {
  checkEmbeddingInput(request)
  const routed = new RoutedCall<EmbeddingProviderRequest>({ parts, operation: embeddingOperation, request, stream: false, scope })
  try {
    const { value, call } = await routeAttempts(routed, performEmbedding)
    return routed.finishEmbedding(call, value)
  } catch (error) {
    routed.finishFailure(error)
    throw error
  }
}

/** The target's `embed`; a target without one was set aside by the operation before any call. */
function performEmbedding(call: AttemptCall<EmbeddingProviderRequest>): Promise<EmbeddingCallResult> {
  const { provider } = call
  if (provider.embed === undefined) return Promise.reject(new Error(`provider "${call.target.provider}" has no embeddings API`))
  return provider.embed(call.request)
}

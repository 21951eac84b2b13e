/**
 * Compiled by the repository's `tsc` (test/ is in tsconfig.json), never run: the
 * wrapped clients keep every type of the SDKs, and the middleware fits the AI SDK.
 */
import Anthropic from '@anthropic-ai/sdk'
import type { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream'
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages'
import type { BetaMessage, BetaRawMessageStreamEvent } from '@anthropic-ai/sdk/resources/beta/messages/messages'
import type { Stream as AnthropicStream } from '@anthropic-ai/sdk/streaming'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { wrapLanguageModel, type LanguageModelMiddleware } from 'ai'
import OpenAI from 'openai'
import type { APIPromise } from 'openai/core/api-promise'
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions'
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings'
import type { Response as ModelResponse, ResponseStreamEvent } from 'openai/resources/responses/responses'
import type { Stream } from 'openai/streaming'
import OpenAIv5 from 'openai-v5'
import type { APIPromise as APIPromiseV5 } from 'openai-v5/core/api-promise'
import type { ChatCompletion as ChatCompletionV5, ChatCompletionChunk as ChatCompletionChunkV5 } from 'openai-v5/resources/chat/completions'
import type { CreateEmbeddingResponse as CreateEmbeddingResponseV5 } from 'openai-v5/resources/embeddings'
import type { Response as ModelResponseV5, ResponseStreamEvent as ResponseStreamEventV5 } from 'openai-v5/resources/responses/responses'
import type { Stream as StreamV5 } from 'openai-v5/streaming'
import type { BudgetGate } from '../../src/budget/budget-gate.js'
import { instrument, switchyardMiddleware, type CallBudgetGate, type InstrumentOptions } from '../../src/index.js'

export async function openaiResultsKeepTheirTypes(budgets: CallBudgetGate): Promise<string> {
  const options: InstrumentOptions = { provider: 'openrouter', tags: { tenant: 'acme' }, budgets }
  const client: OpenAI = instrument(new OpenAI({ apiKey: 'sk-types' }), options)

  const pending: APIPromise<ChatCompletion> = client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  const { data, response, request_id: requestId } = await pending.withResponse()
  const completion: ChatCompletion = data
  const status: number = response.status
  const raw: Response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).asResponse()

  const stream: Stream<ChatCompletionChunk> = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true })
  const [left, right]: [Stream<ChatCompletionChunk>, Stream<ChatCompletionChunk>] = stream.tee()
  const controller: AbortController = left.controller
  for await (const chunk of right) {
    const delta: string | null | undefined = chunk.choices[0]?.delta.content
    void delta
  }
  const final: ChatCompletion = await client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [] }).finalChatCompletion()

  const answer: ModelResponse = await client.responses.create({ model: 'gpt-5-mini', input: 'hi' })
  const events: Stream<ResponseStreamEvent> = await client.responses.create({ model: 'gpt-5-mini', input: 'hi', stream: true })
  const embeddings: CreateEmbeddingResponse = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' })

  // @ts-expect-error a plain completion is not a stream
  const notAStream: Stream<ChatCompletionChunk> = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })
  void [completion, status, raw, controller, final, answer, events, embeddings, notAStream]
  return `${requestId ?? ''}${completion.choices[0]?.message.content ?? ''}`
}

/** The same for an openai v5 client: its own types, not v6's. */
export async function openaiV5ResultsKeepTheirTypes(): Promise<string> {
  const client: OpenAIv5 = instrument(new OpenAIv5({ apiKey: 'sk-types' }))
  const pending: APIPromiseV5<ChatCompletionV5> = client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  const { data, request_id: requestId } = await pending.withResponse()
  const stream: StreamV5<ChatCompletionChunkV5> = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true })
  const final: ChatCompletionV5 = await client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [] }).finalChatCompletion()
  const answer: ModelResponseV5 = await client.responses.create({ model: 'gpt-5-mini', input: 'hi' })
  const events: StreamV5<ResponseStreamEventV5> = await client.responses.create({ model: 'gpt-5-mini', input: 'hi', stream: true })
  const embeddings: CreateEmbeddingResponseV5 = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' })
  void [stream, final, answer, events, embeddings]
  return `${requestId ?? ''}${data.choices[0]?.message.content ?? ''}`
}

export async function anthropicResultsKeepTheirTypes(): Promise<string> {
  const client: Anthropic = instrument(new Anthropic({ apiKey: 'sk-ant-types' }))
  const message: Message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
  const { data, request_id: requestId } = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [] }).withResponse()
  const events: AnthropicStream<RawMessageStreamEvent> = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [], stream: true })
  const helper: MessageStream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [] })
  const final: Message = await helper.finalMessage()
  const betaMessage: BetaMessage = await client.beta.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [], betas: ['context-management-2025-06-27'] })
  const betaEvents: AnthropicStream<BetaRawMessageStreamEvent> = await client.beta.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [], stream: true })
  const betaFinal: BetaMessage = await client.beta.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [] }).finalMessage()
  void [data, events, final, betaMessage, betaEvents, betaFinal]
  return `${requestId ?? ''}${message.id}`
}

export function middlewareFitsTheAiSdk(): ReturnType<typeof wrapLanguageModel> {
  const middleware: LanguageModelMiddleware = switchyardMiddleware({ provider: 'openai', tags: { tenant: 'acme' } })
  const provider = createOpenAICompatible({ name: 'host', baseURL: 'http://127.0.0.1:1/v1' })
  return wrapLanguageModel({ model: provider('gpt-4o-mini'), middleware })
}

/** The budget module's gate (`createBudgetGate({ ledger })`) is what `instrument` and the middleware accept. */
export function ledgerGateFits(gate: BudgetGate): CallBudgetGate {
  return gate
}

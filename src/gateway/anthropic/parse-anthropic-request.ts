import type { ChatRequest } from '../../router/chat-request.js'
import { invalidField } from '../gateway-error.js'
import { passThroughFields } from '../pass-through-fields.js'
import { optional, readArray, readBoolean, readNumber, readObject, readString, type JsonObject } from '../request-fields.js'
import type { ParseContext, ParsedClientRequest } from '../wire-format.js'
import { readAnthropicMessages, readAnthropicSystem } from './anthropic-request-messages.js'
import { readAnthropicReasoning } from './anthropic-request-reasoning.js'
import { readAnthropicToolChoice, readAnthropicTools } from './anthropic-request-tools.js'
import { maxJsonDepth, nestsWithin } from './nests-within.js'
import { noteOtherKeys } from './note-other-keys.js'
import { UnmodelledFields } from './unmodelled-fields.js'

const maxOutputTokens = 10_000_000
const maxStopSequences = 64
const maxStopSequenceLength = 1024

/** Fields of the Messages body that switchyard reads; any other passes through or is refused (passThroughFields). */
const modelledFields = new Set([
  'model', 'max_tokens', 'system', 'messages', 'tools', 'tool_choice', 'temperature', 'top_p', 'stop_sequences',
  'stream', 'thinking', 'output_config', 'metadata', 'cache_control',
])

/**
 * Read an Anthropic Messages body into a router request. Every modelled field is
 * checked for type and bounds, and a bad one is a 400 naming its dotted path
 * (`messages.2.content.0.tool_use_id`). A field switchyard does not model, at the
 * top or inside a modelled one, goes untouched to the targets when all of them speak
 * Anthropic (`providerOptions.anthropic`), and is a 400 naming it otherwise.
 * Headers never pass: a feature an `anthropic-beta` header turns on at Anthropic is
 * not turned on by the gateway.
 *
 * `metadata.user_id` is an opaque end-user id for Anthropic's abuse detection that
 * changes no answer: it goes untouched to a route's Anthropic targets, and to others
 * it is not sent (no other format has its word) rather than refused, as Claude Code
 * sends it with every request. `cache_control` is treated alike (see noteOtherKeys).
 */
export function parseAnthropicRequest(body: unknown, context: ParseContext): ParsedClientRequest {
  const request = readObject(body, 'body')
  const unmodelled = new UnmodelledFields()
  const requestedModel = readString(request.model, 'model', { min: 1, max: 512 })
  const maxTokens = readNumber(request.max_tokens, 'max_tokens', { min: 1, max: maxOutputTokens, integer: true })
  const stream = optional(request.stream, (value) => readBoolean(value, 'stream')) ?? false
  const system = optional(request.system, (value) => readAnthropicSystem(value, unmodelled)) ?? []
  const chat: ChatRequest = { messages: [...system, ...readAnthropicMessages(request.messages, unmodelled)], maxTokens }
  if (requestedModel.includes('/')) chat.model = requestedModel
  else chat.route = requestedModel
  readSampling(request, chat)
  readTooling(request, chat, unmodelled)
  const { reasoning, responseFormat } = readAnthropicReasoning({ thinking: request.thinking, outputConfig: request.output_config, maxTokens, unmodelled })
  if (reasoning !== undefined) chat.reasoning = reasoning
  if (responseFormat !== undefined) chat.responseFormat = responseFormat
  readPreferred(request, unmodelled)
  const extra = passThroughFields({ body: request, modelled: modelledFields, context, clientFormat: 'anthropic' })
  const untouched = unmodelled.settle(request, context, extra === undefined ? 0 : passThroughBytes(extra))
  if (extra !== undefined || untouched !== undefined) chat.providerOptions = { anthropic: { ...extra, ...untouched } }
  return { chat, requestedModel, stream, includeUsage: true }
}

/** The JSON size of the top-level pass-through fields, each first bounded in depth (JSON.stringify recurses). */
function passThroughBytes(extra: JsonObject): number {
  for (const [key, value] of Object.entries(extra)) {
    if (!nestsWithin(value, maxJsonDepth)) throw invalidField(key, `nests deeper than ${maxJsonDepth} levels`)
  }
  return Buffer.byteLength(JSON.stringify(extra))
}

function readSampling(request: JsonObject, chat: ChatRequest): void {
  const temperature = optional(request.temperature, (value) => readNumber(value, 'temperature', { min: 0, max: 1 }))
  if (temperature !== undefined) chat.temperature = temperature
  const topP = optional(request.top_p, (value) => readNumber(value, 'top_p', { min: 0, max: 1 }))
  if (topP !== undefined) chat.topP = topP
  const stop = optional(request.stop_sequences, (value) =>
    readArray(value, 'stop_sequences', { max: maxStopSequences }).map((item, index) =>
      readString(item, `stop_sequences.${index}`, { min: 1, max: maxStopSequenceLength }),
    ),
  )
  if (stop !== undefined && stop.length > 0) chat.stop = stop
}

function readTooling(request: JsonObject, chat: ChatRequest, unmodelled: UnmodelledFields): void {
  const tools = optional(request.tools, (value) => readAnthropicTools(value, unmodelled))
  if (tools !== undefined && tools.length > 0) chat.tools = tools
  const choice = optional(request.tool_choice, (value) => readAnthropicToolChoice(value, unmodelled))
  if (choice === undefined) return
  chat.toolChoice = choice.toolChoice
  if (choice.parallelToolCalls !== undefined) chat.parallelToolCalls = choice.parallelToolCalls
}

/** Fields that go untouched to Anthropic and are no reason to refuse a request elsewhere (see parseAnthropicRequest). */
function readPreferred(request: JsonObject, unmodelled: UnmodelledFields): void {
  const metadata = optional(request.metadata, (value) => readObject(value, 'metadata'))
  if (metadata !== undefined) {
    noteOtherKeys(metadata, 'metadata', ['user_id'], unmodelled)
    const userId = optional(metadata.user_id, (value) => readString(value, 'metadata.user_id', { max: 512 }))
    if (userId !== undefined) unmodelled.prefer('metadata.user_id')
  }
  if (request.cache_control !== undefined && request.cache_control !== null) {
    readObject(request.cache_control, 'cache_control')
    unmodelled.prefer('cache_control')
  }
}

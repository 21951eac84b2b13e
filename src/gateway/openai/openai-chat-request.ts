import type { ResponseFormat } from '../../model-call/response-format.js'
import type { ToolChoice } from '../../model-call/tool-choice.js'
import type { ToolDefinition } from '../../model-call/tool-definition.js'
import type { ChatRequest } from '../../router/chat-request.js'
import { invalidField } from '../gateway-error.js'
import { passThroughFields } from '../pass-through-fields.js'
import { isObject, optional, readArray, readBoolean, readEnum, readNumber, readObject, readString, refuseUnknownKeys, type JsonObject } from '../request-fields.js'
import type { ParseContext, ParsedClientRequest } from '../wire-format.js'
import { readOpenAIMessages } from './openai-chat-messages.js'

const maxTools = 128
const maxStopSequences = 16
const maxOutputTokens = 10_000_000

/** Fields of the Chat Completions body that switchyard reads; any other passes through or is refused. */
const modelledFields = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'response_format', 'max_tokens', 'max_completion_tokens',
  'temperature', 'top_p', 'stop', 'parallel_tool_calls', 'reasoning_effort', 'stream', 'stream_options', 'n',
])

/**
 * Read an OpenAI Chat Completions body into a router request. Every modelled field is
 * checked for type and bounds; any other field goes to the targets untouched when all
 * of them speak OpenAI's format, and is a 400 naming it otherwise.
 */
export function parseOpenAIChatRequest(body: unknown, context: ParseContext): ParsedClientRequest {
  const request = readObject(body, 'body')
  const requestedModel = readString(request.model, 'model', { min: 1, max: 512 })
  const stream = optional(request.stream, (value) => readBoolean(value, 'stream')) ?? false
  const includeUsage = readStreamOptions(request.stream_options, stream)
  optional(request.n, (value) => readNumber(value, 'n', { min: 1, max: 1, integer: true }))
  const chat: ChatRequest = { messages: readOpenAIMessages(request.messages) }
  const maxTokens = optional(request.max_completion_tokens, (value) => readNumber(value, 'max_completion_tokens', { min: 1, max: maxOutputTokens, integer: true }))
    ?? optional(request.max_tokens, (value) => readNumber(value, 'max_tokens', { min: 1, max: maxOutputTokens, integer: true }))
  if (maxTokens !== undefined) chat.maxTokens = maxTokens
  const temperature = optional(request.temperature, (value) => readNumber(value, 'temperature', { min: 0, max: 2 }))
  if (temperature !== undefined) chat.temperature = temperature
  const topP = optional(request.top_p, (value) => readNumber(value, 'top_p', { min: 0, max: 1 }))
  if (topP !== undefined) chat.topP = topP
  const stop = optional(request.stop, readStop)
  if (stop !== undefined) chat.stop = stop
  const tools = optional(request.tools, readTools)
  if (tools !== undefined && tools.length > 0) chat.tools = tools
  const toolChoice = optional(request.tool_choice, readToolChoice)
  if (toolChoice !== undefined) chat.toolChoice = toolChoice
  const parallel = optional(request.parallel_tool_calls, (value) => readBoolean(value, 'parallel_tool_calls'))
  if (parallel !== undefined) chat.parallelToolCalls = parallel
  const responseFormat = optional(request.response_format, readResponseFormat)
  if (responseFormat !== undefined) chat.responseFormat = responseFormat
  const effort = optional(request.reasoning_effort, (value) => readEnum(value, 'reasoning_effort', ['minimal', 'low', 'medium', 'high']))
  if (effort !== undefined) chat.reasoning = { effort }
  const extra = passThroughFields({ body: request, modelled: modelledFields, context, clientFormat: 'openai' })
  if (extra !== undefined) chat.providerOptions = { openai: extra, 'openai-compatible': extra }
  return { chat, requestedModel, stream, includeUsage }
}

function readStreamOptions(value: unknown, stream: boolean): boolean {
  if (value === undefined || value === null) return false
  if (!stream) throw invalidField('stream_options', 'is only allowed when stream is true')
  const options = readObject(value, 'stream_options')
  // include_obfuscation pads chunks against length side channels; switchyard's chunks are its own.
  refuseUnknownKeys(options, 'stream_options', new Set(['include_usage', 'include_obfuscation']))
  optional(options.include_obfuscation, (flag) => readBoolean(flag, 'stream_options.include_obfuscation'))
  return optional(options.include_usage, (flag) => readBoolean(flag, 'stream_options.include_usage')) ?? false
}

function readStop(value: unknown): string[] {
  if (typeof value === 'string') return [readString(value, 'stop', { min: 1, max: 1024 })]
  return readArray(value, 'stop', { max: maxStopSequences }).map((item, index) => readString(item, `stop.${index}`, { min: 1, max: 1024 }))
}

function readTools(value: unknown): ToolDefinition[] {
  return readArray(value, 'tools', { max: maxTools }).map((item, index) => {
    const param = `tools.${index}`
    const tool = readObject(item, param)
    refuseUnknownKeys(tool, param, new Set(['type', 'function']))
    readEnum(tool.type, `${param}.type`, ['function'])
    const fn = readObject(tool.function, `${param}.function`)
    // `strict` asks OpenAI to hold the arguments to the schema exactly; the schema is sent either way.
    refuseUnknownKeys(fn, `${param}.function`, new Set(['name', 'description', 'parameters', 'strict']))
    optional(fn.strict, (strict) => readBoolean(strict, `${param}.function.strict`))
    const definition: ToolDefinition = {
      name: readString(fn.name, `${param}.function.name`, { min: 1, max: 256 }),
      parameters: optional(fn.parameters, (schema) => readObject(schema, `${param}.function.parameters`)) ?? { type: 'object', properties: {} },
    }
    const description = optional(fn.description, (text) => readString(text, `${param}.function.description`, { max: 64 * 1024 }))
    if (description !== undefined) definition.description = description
    return definition
  })
}

function readToolChoice(value: unknown): ToolChoice {
  if (typeof value === 'string') return readEnum(value, 'tool_choice', ['auto', 'none', 'required'])
  const choice = readObject(value, 'tool_choice')
  refuseUnknownKeys(choice, 'tool_choice', new Set(['type', 'function']))
  readEnum(choice.type, 'tool_choice.type', ['function'])
  const fn = readObject(choice.function, 'tool_choice.function')
  refuseUnknownKeys(fn, 'tool_choice.function', new Set(['name']))
  return { name: readString(fn.name, 'tool_choice.function.name', { min: 1, max: 256 }) }
}

function readResponseFormat(value: unknown): ResponseFormat | undefined {
  const format = readObject(value, 'response_format')
  const type = readEnum(format.type, 'response_format.type', ['text', 'json_object', 'json_schema'])
  if (type !== 'json_schema') {
    refuseUnknownKeys(format, 'response_format', new Set(['type']))
    return type === 'json_object' ? { type } : undefined
  }
  refuseUnknownKeys(format, 'response_format', new Set(['type', 'json_schema']))
  const spec: JsonObject = readObject(format.json_schema, 'response_format.json_schema')
  refuseUnknownKeys(spec, 'response_format.json_schema', new Set(['name', 'schema', 'strict', 'description']))
  optional(spec.description, (text) => readString(text, 'response_format.json_schema.description', { max: 64 * 1024 }))
  const name = readString(spec.name, 'response_format.json_schema.name', { min: 1, max: 64 })
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw invalidField('response_format.json_schema.name', 'uses letters, digits, "_" and "-" only')
  const schema = isObject(spec.schema) ? spec.schema : readObject(spec.schema, 'response_format.json_schema.schema')
  const strict = optional(spec.strict, (flag) => readBoolean(flag, 'response_format.json_schema.strict'))
  return { type: 'json_schema', name, schema, ...(strict === undefined ? {} : { strict }) }
}

import type { ChatMessage } from '../../model-call/chat-message.js'
import type { ContentPart } from '../../model-call/content-part.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import { invalidField } from '../gateway-error.js'
import { maxTextLength, optional, readArray, readEnum, readObject, readString, refuseUnknownKeys } from '../request-fields.js'

/** Bounds of a conversation: messages, parts per message, tool calls per turn. */
export const maxMessages = 10_000
const maxParts = 512
const maxToolCalls = 128
/** Data URLs carry images inline; the body bound limits their total. */
const maxImageUrlLength = 32 * 1024 * 1024

const messageKeys = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'refusal'])
const roles = ['system', 'developer', 'user', 'assistant', 'tool'] as const

/** OpenAI Chat Completions `messages`, read into switchyard's ChatMessage list. */
export function readOpenAIMessages(value: unknown): ChatMessage[] {
  const list = readArray(value, 'messages', { min: 1, max: maxMessages })
  return list.map((item, index) => readMessage(item, `messages.${index}`))
}

function readMessage(value: unknown, param: string): ChatMessage {
  const message = readObject(value, param)
  refuseUnknownKeys(message, param, messageKeys)
  // `name` names a participant; no provider but OpenAI reads it, and dropping it changes no answer's shape.
  optional(message.name, (name) => readString(name, `${param}.name`, { max: 256 }))
  const role = readEnum(message.role, `${param}.role`, roles)
  if (role !== 'assistant') {
    if (message.tool_calls !== undefined && message.tool_calls !== null) throw invalidField(`${param}.tool_calls`, 'only assistant messages carry tool calls')
    if (message.refusal !== undefined && message.refusal !== null) throw invalidField(`${param}.refusal`, 'only assistant messages carry a refusal')
  }
  if (role !== 'tool' && message.tool_call_id !== undefined && message.tool_call_id !== null) {
    throw invalidField(`${param}.tool_call_id`, 'only tool messages carry tool_call_id')
  }
  switch (role) {
    case 'system':
    case 'developer':
      return { role, content: readTextContent(message.content, `${param}.content`) }
    case 'user':
      return { role, content: readUserContent(message.content, `${param}.content`) }
    case 'tool':
      return {
        role,
        toolCallId: readString(message.tool_call_id, `${param}.tool_call_id`, { min: 1, max: 256 }),
        content: readTextContent(message.content, `${param}.content`),
      }
    case 'assistant':
      return readAssistant(message, param)
  }
}

function readAssistant(message: Record<string, unknown>, param: string): ChatMessage {
  optional(message.refusal, (refusal) => readString(refusal, `${param}.refusal`, { max: maxTextLength }))
  const content = optional(message.content, (content) => readTextContent(content, `${param}.content`))
  const toolCalls = optional(message.tool_calls, (calls) =>
    readArray(calls, `${param}.tool_calls`, { max: maxToolCalls }).map((call, index) => readToolCall(call, `${param}.tool_calls.${index}`)))
  if (content === undefined && (toolCalls === undefined || toolCalls.length === 0)) {
    throw invalidField(`${param}.content`, 'an assistant message needs content or tool_calls')
  }
  return { role: 'assistant', content: content ?? null, ...(toolCalls === undefined ? {} : { toolCalls }) }
}

function readToolCall(value: unknown, param: string): ToolCall {
  const call = readObject(value, param)
  refuseUnknownKeys(call, param, new Set(['id', 'type', 'function']))
  readEnum(call.type, `${param}.type`, ['function'])
  const fn = readObject(call.function, `${param}.function`)
  refuseUnknownKeys(fn, `${param}.function`, new Set(['name', 'arguments']))
  return {
    id: readString(call.id, `${param}.id`, { min: 1, max: 256 }),
    name: readString(fn.name, `${param}.function.name`, { min: 1, max: 256 }),
    arguments: readString(fn.arguments, `${param}.function.arguments`, { max: maxTextLength }),
  }
}

/** A string, or a list of text parts (OpenAI allows both for every role), as one string. */
function readTextContent(value: unknown, param: string): string {
  if (typeof value === 'string') return readString(value, param, { max: maxTextLength })
  const parts = readArray(value, param, { max: maxParts })
  return parts.map((part, index) => {
    const text = readPart(part, `${param}.${index}`)
    if (text.type !== 'text') throw invalidField(`${param}.${index}.type`, 'only text parts are accepted here')
    return text.text
  }).join('')
}

function readUserContent(value: unknown, param: string): string | ContentPart[] {
  if (typeof value === 'string') return readString(value, param, { max: maxTextLength })
  const parts = readArray(value, param, { min: 1, max: maxParts })
  return parts.map((part, index) => readPart(part, `${param}.${index}`))
}

function readPart(value: unknown, param: string): ContentPart {
  const part = readObject(value, param)
  const type = readEnum(part.type, `${param}.type`, ['text', 'image_url'])
  if (type === 'text') {
    refuseUnknownKeys(part, param, new Set(['type', 'text']))
    return { type, text: readString(part.text, `${param}.text`, { max: maxTextLength }) }
  }
  refuseUnknownKeys(part, param, new Set(['type', 'image_url']))
  const image = readObject(part.image_url, `${param}.image_url`)
  refuseUnknownKeys(image, `${param}.image_url`, new Set(['url', 'detail']))
  // `detail` tunes OpenAI's image tokenization only; other providers have no such knob.
  optional(image.detail, (detail) => readEnum(detail, `${param}.image_url.detail`, ['auto', 'low', 'high']))
  const url = readString(image.url, `${param}.image_url.url`, { min: 1, max: maxImageUrlLength })
  if (!/^(https?:|data:)/i.test(url)) throw invalidField(`${param}.image_url.url`, 'must be an http(s) or data: URL')
  return { type: 'image_url', imageUrl: url }
}

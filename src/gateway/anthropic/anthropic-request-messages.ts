import type { ChatMessage } from '../../model-call/chat-message.js'
import type { ContentPart } from '../../model-call/content-part.js'
import type { ReasoningBlock } from '../../model-call/reasoning-block.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import { invalidField } from '../gateway-error.js'
import { maxTextLength, optional, readArray, readBoolean, readEnum, readObject, readString, type JsonObject } from '../request-fields.js'
import { carriedStatePrefix, readCarriedState, restoreCarriedCalls, type CarriedState } from './carried-state.js'
import { readJsonObject } from './nests-within.js'
import { noteOtherKeys } from './note-other-keys.js'
import type { UnmodelledFields } from './unmodelled-fields.js'

export const maxMessages = 10_000
const maxBlocks = 512
const maxIdLength = 256
const maxImageDataLength = 32 * 1024 * 1024
const maxImageUrlLength = 8 * 1024
/** Signatures and redacted thinking are opaque and can be long; the body bound applies first anyway. */
const maxOpaqueLength = 1024 * 1024
const imageMediaTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const

/**
 * The Messages API's `system` as switchyard's system messages: a string, or text
 * blocks (one system message each, which the adapters join again).
 */
export function readAnthropicSystem(value: unknown, unmodelled: UnmodelledFields): ChatMessage[] {
  if (typeof value === 'string') return value === '' ? [] : [{ role: 'system', content: readString(value, 'system', { max: maxTextLength }) }]
  return readArray(value, 'system', { max: maxBlocks }).map((item, index) => {
    const param = `system.${index}`
    const block = readObject(item, param)
    readEnum(block.type, `${param}.type`, ['text'])
    noteOtherKeys(block, param, ['type', 'text'], unmodelled)
    return { role: 'system', content: readString(block.text, `${param}.text`, { max: maxTextLength }) }
  })
}

/**
 * The Messages API's `messages` as switchyard's chat messages. A user turn's
 * `tool_result` blocks become tool messages, in the order they came, beside the
 * turn's text and images; an assistant turn's `tool_use` blocks become its tool
 * calls and its `thinking` / `redacted_thinking` blocks its reasoning, which the
 * Anthropic adapter sends back first and untouched.
 */
export function readAnthropicMessages(value: unknown, unmodelled: UnmodelledFields): ChatMessage[] {
  return readArray(value, 'messages', { min: 1, max: maxMessages }).flatMap((item, index) => {
    const param = `messages.${index}`
    const message = readObject(item, param)
    const role = readEnum(message.role, `${param}.role`, ['user', 'assistant'])
    noteOtherKeys(message, param, ['role', 'content'], unmodelled)
    const content = message.content
    if (typeof content === 'string') return [{ role, content: readString(content, `${param}.content`, { max: maxTextLength }) }]
    const blocks = readArray(content, `${param}.content`, { min: 1, max: maxBlocks })
    return role === 'user' ? userMessages(blocks, `${param}.content`, unmodelled) : [assistantMessage(blocks, `${param}.content`, unmodelled)]
  })
}

function userMessages(blocks: unknown[], param: string, unmodelled: UnmodelledFields): ChatMessage[] {
  const messages: ChatMessage[] = []
  let parts: ContentPart[] = []
  const flushParts = (): void => {
    if (parts.length === 0) return
    const [first] = parts
    messages.push({ role: 'user', content: parts.length === 1 && first?.type === 'text' ? first.text : parts })
    parts = []
  }
  blocks.forEach((item, index) => {
    const blockParam = `${param}.${index}`
    const block = readObject(item, blockParam)
    const type = readString(block.type, `${blockParam}.type`, { min: 1, max: 64 })
    if (type === 'text') parts.push({ type: 'text', text: textOf(block, blockParam, unmodelled) })
    else if (type === 'image') {
      const part = imagePart(block, blockParam, unmodelled)
      if (part !== undefined) parts.push(part)
    } else if (type === 'tool_result') {
      flushParts()
      messages.push(toolMessage(block, blockParam, unmodelled))
    } else if (type === 'tool_use' || type === 'thinking' || type === 'redacted_thinking') {
      throw invalidField(`${blockParam}.type`, `a ${type} block belongs in an assistant message`)
    } else unmodelled.note(blockParam)
  })
  flushParts()
  return messages
}

function assistantMessage(blocks: unknown[], param: string, unmodelled: UnmodelledFields): ChatMessage {
  const texts: string[] = []
  const toolCalls: ToolCall[] = []
  const reasoning: ReasoningBlock[] = []
  let carried: CarriedState | undefined
  blocks.forEach((item, index) => {
    const blockParam = `${param}.${index}`
    const block = readObject(item, blockParam)
    const type = readString(block.type, `${blockParam}.type`, { min: 1, max: 64 })
    if (type === 'text') texts.push(textOf(block, blockParam, unmodelled))
    else if (type === 'tool_use') toolCalls.push(toolCall(block, blockParam, unmodelled))
    else if (type === 'redacted_thinking' && typeof block.data === 'string' && block.data.startsWith(carriedStatePrefix)) {
      carried = readCarriedState(readString(block.data, `${blockParam}.data`, { max: maxOpaqueLength }), `${blockParam}.data`)
      unmodelled.carriedStateSeen()
    } else if (type === 'thinking' || type === 'redacted_thinking') reasoning.push(reasoningBlock(block, blockParam, type))
    else if (type === 'tool_result' || type === 'image') throw invalidField(`${blockParam}.type`, `a ${type} block belongs in a user message`)
    else unmodelled.note(blockParam)
  })
  const message: ChatMessage = { role: 'assistant', content: texts.join('') }
  if (carried !== undefined) {
    restoreCarriedCalls(toolCalls, carried)
    reasoning.push(...carried.reasoning)
    if (carried.textSignature !== undefined) message.thoughtSignature = carried.textSignature
  }
  if (toolCalls.length > 0) message.toolCalls = toolCalls
  if (reasoning.length > 0) message.reasoning = reasoning
  return message
}

function textOf(block: JsonObject, param: string, unmodelled: UnmodelledFields): string {
  noteOtherKeys(block, param, ['type', 'text'], unmodelled)
  return readString(block.text, `${param}.text`, { max: maxTextLength })
}

/** Base64 bytes become a `data:` URL (the adapters split it again); a URL source stays a URL. */
function imagePart(block: JsonObject, param: string, unmodelled: UnmodelledFields): ContentPart | undefined {
  noteOtherKeys(block, param, ['type', 'source'], unmodelled)
  const source = readObject(block.source, `${param}.source`)
  const type = readString(source.type, `${param}.source.type`, { min: 1, max: 64 })
  if (type === 'base64') {
    noteOtherKeys(source, `${param}.source`, ['type', 'media_type', 'data'], unmodelled)
    const mediaType = readEnum(source.media_type, `${param}.source.media_type`, imageMediaTypes)
    const data = readString(source.data, `${param}.source.data`, { min: 1, max: maxImageDataLength })
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw invalidField(`${param}.source.data`, 'must be base64')
    return { type: 'image_url', imageUrl: `data:${mediaType};base64,${data}` }
  }
  if (type === 'url') {
    noteOtherKeys(source, `${param}.source`, ['type', 'url'], unmodelled)
    const url = readString(source.url, `${param}.source.url`, { min: 1, max: maxImageUrlLength })
    if (!/^https?:\/\//i.test(url)) throw invalidField(`${param}.source.url`, 'must be an http(s) URL')
    return { type: 'image_url', imageUrl: url }
  }
  // A `file` source names an upload in Anthropic's Files API: only Anthropic can read it.
  unmodelled.note(`${param}.source`)
  return undefined
}

function toolCall(block: JsonObject, param: string, unmodelled: UnmodelledFields): ToolCall {
  noteOtherKeys(block, param, ['type', 'id', 'name', 'input'], unmodelled)
  return {
    id: readString(block.id, `${param}.id`, { min: 1, max: maxIdLength }),
    name: readString(block.name, `${param}.name`, { min: 1, max: maxIdLength }),
    arguments: JSON.stringify(readJsonObject(block.input, `${param}.input`)),
  }
}

/** Signed or redacted thinking goes back exactly as it came: the signature covers it. */
function reasoningBlock(block: JsonObject, param: string, type: 'thinking' | 'redacted_thinking'): ReasoningBlock {
  if (type === 'redacted_thinking') {
    return { type, data: readString(block.data, `${param}.data`, { min: 1, max: maxOpaqueLength }) }
  }
  return {
    type,
    thinking: readString(block.thinking, `${param}.thinking`, { max: maxTextLength }),
    signature: readString(block.signature, `${param}.signature`, { max: maxOpaqueLength }),
  }
}

/**
 * A tool result as a tool message. Its text blocks are joined; `is_error` has no
 * word in the other formats, so there the text says it (`Error: ...`), and an
 * Anthropic target gets the turn untouched, flag and all.
 */
function toolMessage(block: JsonObject, param: string, unmodelled: UnmodelledFields): ChatMessage {
  noteOtherKeys(block, param, ['type', 'tool_use_id', 'content', 'is_error'], unmodelled)
  const toolCallId = readString(block.tool_use_id, `${param}.tool_use_id`, { min: 1, max: maxIdLength })
  const isError = optional(block.is_error, (flag) => readBoolean(flag, `${param}.is_error`)) ?? false
  const text = optional(block.content, (content) => toolResultText(content, `${param}.content`, unmodelled)) ?? ''
  if (!isError) return { role: 'tool', toolCallId, content: text }
  unmodelled.prefer(`${param}.is_error`)
  return { role: 'tool', toolCallId, content: text === '' ? 'Error' : `Error: ${text}` }
}

function toolResultText(value: unknown, param: string, unmodelled: UnmodelledFields): string {
  if (typeof value === 'string') return readString(value, param, { max: maxTextLength })
  const texts: string[] = []
  readArray(value, param, { max: maxBlocks }).forEach((item, index) => {
    const blockParam = `${param}.${index}`
    const block = readObject(item, blockParam)
    const type = readString(block.type, `${blockParam}.type`, { min: 1, max: 64 })
    // An image or document in a tool result has no place in a tool message of switchyard's words.
    if (type === 'text') texts.push(textOf(block, blockParam, unmodelled))
    else unmodelled.note(blockParam)
  })
  return texts.join('\n')
}

import { parseDataUrl } from '../data-url.js'
import type { ChatMessage } from '../../model-call/chat-message.js'
import type { ContentPart } from '../../model-call/content-part.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import type { ToolDefinition } from '../../model-call/tool-definition.js'
import type { ProviderRequest } from '../provider.js'
import { ProviderError, type ProviderErrorContext } from '../provider-error.js'
import { reasoningBudget } from '../reasoning-budget.js'
import { geminiGeneration } from './gemini-request-support.js'

type Part = Record<string, unknown>

interface Content {
  role: 'user' | 'model'
  parts: Part[]
}

/**
 * The JSON body of `models/{model}:generateContent`. System messages become
 * `systemInstruction`; assistant turns are `model` turns with `functionCall`
 * parts; tool results are `functionResponse` parts of a user turn, named after
 * the call they answer (Gemini matches results by function name): the tool
 * message's `toolCallId` is resolved to the latest assistant call with that id
 * before it, never by position, so ids a client reuses across turns still name
 * the right function. Signatures (`thoughtSignature`) go back on the part they
 * came with, untouched. Tool parameters go as `parametersJsonSchema`, which
 * takes JSON Schema as is.
 *
 * `responseFormat` sets `responseMimeType: 'application/json'` and, for a schema,
 * `responseJsonSchema` (JSON Schema as is; `responseSchema` takes only an OpenAPI
 * subset). `reasoning` becomes `thinkingConfig`: Gemini 3 models get an effort as
 * `thinkingLevel` (`MINIMAL` .. `HIGH`, as @google/genai spells them), and a
 * budget without an effort as `thinkingBudget`, which they still take; earlier
 * models get `thinkingBudget` (the budget, or the one the effort stands for).
 */
export function geminiBody(request: ProviderRequest, context: ProviderErrorContext): Record<string, unknown> {
  const system = request.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => ({ text: message.content }))
  const toolCalls = new Map<string, ToolCall>()
  const contents: Content[] = []
  for (const message of request.messages) {
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) toolCalls.set(call.id, call)
    const content = contentOf(message, toolCalls, context)
    if (content === undefined || content.parts.length === 0) continue
    const last = contents.at(-1)
    if (last !== undefined && last.role === content.role) last.parts.push(...content.parts)
    else contents.push(content)
  }
  const body: Record<string, unknown> = { contents }
  if (system.length > 0) body.systemInstruction = { parts: system }
  const generationConfig: Record<string, unknown> = {}
  if (request.maxTokens !== undefined) generationConfig.maxOutputTokens = request.maxTokens
  if (request.temperature !== undefined) generationConfig.temperature = request.temperature
  if (request.topP !== undefined) generationConfig.topP = request.topP
  if (request.stop !== undefined && request.stop.length > 0) generationConfig.stopSequences = request.stop
  if (request.responseFormat !== undefined) {
    generationConfig.responseMimeType = 'application/json'
    if (request.responseFormat.type === 'json_schema') generationConfig.responseJsonSchema = request.responseFormat.schema
  }
  if (request.reasoning !== undefined) generationConfig.thinkingConfig = thinkingConfig(request.model, request.reasoning)
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = [{ functionDeclarations: request.tools.map(functionDeclaration) }]
  }
  if (request.toolChoice !== undefined) body.toolConfig = { functionCallingConfig: functionCallingConfig(request.toolChoice) }
  return body
}

function thinkingConfig(model: string, reasoning: NonNullable<ProviderRequest['reasoning']>): Record<string, unknown> {
  const takesLevel = (geminiGeneration(model)?.major ?? 0) >= 3
  if (takesLevel && reasoning.effort !== undefined) return { thinkingLevel: reasoning.effort.toUpperCase() }
  return { thinkingBudget: reasoningBudget(reasoning) }
}

function contentOf(
  message: ChatMessage,
  toolCalls: ReadonlyMap<string, ToolCall>,
  context: ProviderErrorContext,
): Content | undefined {
  switch (message.role) {
    case 'system':
    case 'developer':
      return undefined
    case 'user':
      return {
        role: 'user',
        parts: typeof message.content === 'string' ? textParts(message.content) : message.content.map(part),
      }
    case 'assistant':
      return {
        role: 'model',
        parts: [
          ...signedTextParts(message.content ?? '', message.thoughtSignature),
          ...(message.toolCalls ?? []).map((call) => functionCallPart(call, context)),
        ],
      }
    case 'tool':
      return {
        role: 'user',
        parts: [
          {
            functionResponse: withIssuedId({
              name: toolCalls.get(message.toolCallId)?.name ?? message.toolCallId,
              response: functionResponse(message.content),
            }, toolCalls.get(message.toolCallId)),
          },
        ],
      }
  }
}

function functionCallPart(call: ToolCall, context: ProviderErrorContext): Part {
  const functionCall = { functionCall: withIssuedId({ name: call.name, args: parseArguments(call.arguments, call.id, context) }, call) }
  return call.thoughtSignature === undefined ? functionCall : { ...functionCall, thoughtSignature: call.thoughtSignature }
}

/** `part` with the call's `id` first when Gemini issued it, as Google's own client sends it back. */
function withIssuedId<T extends Record<string, unknown>>(part: T, call: ToolCall | undefined): T | ({ id: string } & T) {
  return call?.providerIssuedId === true ? { id: call.id, ...part } : part
}

/** A signature that came on a text part goes back on the text; with no text, on an empty text part, as Gemini sent it. */
function signedTextParts(text: string, signature: string | undefined): Part[] {
  if (signature === undefined) return textParts(text)
  return [{ text, thoughtSignature: signature }]
}

function textParts(text: string): Part[] {
  return text === '' ? [] : [{ text }]
}

function part(content: ContentPart): Part {
  if (content.type === 'text') return { text: content.text }
  const dataUrl = parseDataUrl(content.imageUrl)
  if (dataUrl !== undefined) return { inlineData: { mimeType: dataUrl.mediaType, data: dataUrl.data } }
  const mimeType = imageMimeType(content.imageUrl)
  return { fileData: mimeType === undefined ? { fileUri: content.imageUrl } : { mimeType, fileUri: content.imageUrl } }
}

const imageTypes: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif' }

/** Gemini reads a file by URI best with its type; the URL's extension says it for the common image types. */
function imageMimeType(url: string): string | undefined {
  const extension = /\.([a-z]+)(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase()
  return extension === undefined ? undefined : imageTypes[extension]
}

function parseArguments(text: string, id: string, context: ProviderErrorContext): unknown {
  try {
    return JSON.parse(text || '{}')
  } catch {
    throw new ProviderError({
      ...context,
      code: 'bad_request',
      message: `the arguments of tool call ${id} are not JSON, and Gemini needs an object.`,
    })
  }
}

/** `response` must be an object: a JSON object result is sent as is, anything else under `result`. */
function functionResponse(content: string): unknown {
  try {
    const value: unknown = JSON.parse(content)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value
    return { result: value }
  } catch {
    return { result: content }
  }
}

function functionDeclaration(tool: ToolDefinition): Record<string, unknown> {
  const declaration: Record<string, unknown> = { name: tool.name, parametersJsonSchema: tool.parameters }
  if (tool.description !== undefined) declaration.description = tool.description
  return declaration
}

function functionCallingConfig(choice: NonNullable<ProviderRequest['toolChoice']>): Record<string, unknown> {
  if (typeof choice === 'object') return { mode: 'ANY', allowedFunctionNames: [choice.name] }
  return { mode: choice === 'required' ? 'ANY' : choice === 'none' ? 'NONE' : 'AUTO' }
}

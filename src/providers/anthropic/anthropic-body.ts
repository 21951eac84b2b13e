import { parseDataUrl } from '../data-url.js'
import type { ChatMessage } from '../../model-call/chat-message.js'
import type { ContentPart } from '../../model-call/content-part.js'
import type { ReasoningBlock } from '../../model-call/reasoning-block.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import type { ToolDefinition } from '../../model-call/tool-definition.js'
import type { ProviderRequest } from '../provider.js'
import { ProviderError, type ProviderErrorContext } from '../provider-error.js'
import { anthropicSampling } from './anthropic-sampling.js'
import { anthropicThinking } from './anthropic-thinking.js'

type ContentBlock = Record<string, unknown>

interface Turn {
  role: 'user' | 'assistant'
  content: ContentBlock[]
}

export interface AnthropicBodyOptions {
  /** Sent when the request has no maxTokens: the Messages API requires `max_tokens`. */
  defaultMaxTokens: number
  stream: boolean
  context: ProviderErrorContext
}

/**
 * The JSON body of `POST /v1/messages`. System and developer messages go to the
 * top-level `system`; tool results become `tool_result` blocks of a user turn
 * and assistant tool calls `tool_use` blocks; consecutive messages of one role
 * are merged into one turn, as the API wants user and assistant to alternate.
 * Sampling settings the model refuses together are left out (anthropicSampling).
 *
 * `reasoning` turns on extended thinking (anthropicThinking: budgeted, or adaptive
 * with an effort on 4.6-generation models); without a `maxTokens`, `max_tokens` is
 * the default plus the budget, since thinking counts against it. An assistant
 * message's reasoning blocks go back first in its turn, untouched, as the API
 * requires. `responseFormat` goes as `output_config.format` (structured outputs,
 * GA, no beta header): the answer is then one text block holding the JSON, so
 * the result's text is the JSON, where a forced tool would cost a tool turn and
 * refuse thinking. `parallelToolCalls: false` is `disable_parallel_tool_use`.
 */
export function anthropicBody(request: ProviderRequest, options: AnthropicBodyOptions): Record<string, unknown> {
  const system = request.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => message.content)
  const turns: Turn[] = []
  for (const message of request.messages) {
    const turn = turnOf(message, options.context)
    if (turn === undefined || turn.content.length === 0) continue
    const last = turns.at(-1)
    if (last !== undefined && last.role === turn.role) last.content.push(...turn.content)
    else turns.push(turn)
  }
  const thinking = request.reasoning === undefined ? undefined : anthropicThinking(request.model, request.reasoning)
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? options.defaultMaxTokens + (thinking?.reserveTokens ?? 0),
    messages: turns.map(wireTurn),
  }
  if (system.length > 0) body.system = system.join('\n\n')
  const sampling = anthropicSampling(request.model, request.temperature, request.topP, thinking !== undefined)
  if (sampling.temperature !== undefined) body.temperature = sampling.temperature
  if (sampling.topP !== undefined) body.top_p = sampling.topP
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools.map(anthropicTool)
  const choice = toolChoice(request.toolChoice, body.tools !== undefined ? request.parallelToolCalls : undefined)
  if (choice !== undefined) body.tool_choice = choice
  if (thinking !== undefined) body.thinking = thinking.config
  const outputConfig: Record<string, unknown> = {}
  if (thinking?.effort !== undefined) outputConfig.effort = thinking.effort
  if (request.responseFormat?.type === 'json_schema') outputConfig.format = { type: 'json_schema', schema: request.responseFormat.schema }
  if (Object.keys(outputConfig).length > 0) body.output_config = outputConfig
  if (options.stream) body.stream = true
  return body
}

function turnOf(message: ChatMessage, context: ProviderErrorContext): Turn | undefined {
  switch (message.role) {
    case 'system':
    case 'developer':
      return undefined
    case 'user':
      return {
        role: 'user',
        content: typeof message.content === 'string' ? textBlocks(message.content) : message.content.map(partBlock),
      }
    case 'assistant':
      return {
        role: 'assistant',
        content: [
          ...(message.reasoning ?? []).flatMap(reasoningBlock),
          ...textBlocks(message.content ?? ''),
          ...(message.toolCalls ?? []).map((call) => toolUseBlock(call, context)),
        ],
      }
    case 'tool':
      return { role: 'user', content: [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }] }
  }
}

/** Sent back exactly as received: the signature covers the thinking text, and a changed block is refused. Another format's reasoning is not Claude's to read. */
function reasoningBlock(block: ReasoningBlock): ContentBlock[] {
  if (block.type === 'thinking') return [{ type: 'thinking', thinking: block.thinking, signature: block.signature }]
  if (block.type === 'redacted_thinking') return [{ type: 'redacted_thinking', data: block.data }]
  return []
}

/** The API rejects empty text blocks. */
function textBlocks(text: string): ContentBlock[] {
  return text === '' ? [] : [{ type: 'text', text }]
}

function partBlock(part: ContentPart): ContentBlock {
  if (part.type === 'text') return { type: 'text', text: part.text }
  const dataUrl = parseDataUrl(part.imageUrl)
  return dataUrl === undefined
    ? { type: 'image', source: { type: 'url', url: part.imageUrl } }
    : { type: 'image', source: { type: 'base64', media_type: dataUrl.mediaType, data: dataUrl.data } }
}

function toolUseBlock(call: ToolCall, context: ProviderErrorContext): ContentBlock {
  let input: unknown
  try {
    input = JSON.parse(call.arguments || '{}')
  } catch {
    throw new ProviderError({
      ...context,
      code: 'bad_request',
      message: `the arguments of tool call ${call.id} (${call.name}) are not JSON, and Anthropic needs an object.`,
    })
  }
  return { type: 'tool_use', id: call.id, name: call.name, input }
}

/** A turn of one text block is sent as a plain string, the form most requests use. */
function wireTurn(turn: Turn): Record<string, unknown> {
  const [first] = turn.content
  if (turn.content.length === 1 && first?.type === 'text') return { role: turn.role, content: first.text }
  return { role: turn.role, content: turn.content }
}

function anthropicTool(tool: ToolDefinition): Record<string, unknown> {
  const definition: Record<string, unknown> = { name: tool.name, input_schema: tool.parameters }
  if (tool.description !== undefined) definition.description = tool.description
  return definition
}

/** `disable_parallel_tool_use` rides on the tool choice (`auto` when none was asked); `none` takes no such flag. */
function toolChoice(
  choice: ProviderRequest['toolChoice'],
  parallelToolCalls: boolean | undefined,
): Record<string, unknown> | undefined {
  const wire: Record<string, unknown> | undefined =
    choice === undefined
      ? undefined
      : typeof choice === 'object'
        ? { type: 'tool', name: choice.name }
        : { type: choice === 'required' ? 'any' : choice }
  if (parallelToolCalls === undefined || wire?.type === 'none') return wire
  return { ...(wire ?? { type: 'auto' }), disable_parallel_tool_use: !parallelToolCalls }
}

import type { ChatMessage } from '../../model-call/chat-message.js'
import type { ResponseFormat } from '../../model-call/response-format.js'
import type { ToolDefinition } from '../../model-call/tool-definition.js'
import { reasoningEffort } from '../reasoning-budget.js'
import type { ProviderRequest } from '../provider.js'

/**
 * The JSON body of `POST /responses`. Messages become input items in order
 * (system and developer messages stay messages rather than `instructions`, so
 * their position is kept); assistant tool calls become `function_call` items and
 * tool results `function_call_output` items. The Responses API has no stop
 * sequences: a request with `stop` is refused before this (openaiUnsupportedField).
 */
export function responsesBody(request: ProviderRequest, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    input: request.messages.flatMap((message) => inputItems(message, request.providerOptions?.openai?.store !== false)),
  }
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens
  if (request.temperature !== undefined) body.temperature = request.temperature
  if (request.topP !== undefined) body.top_p = request.topP
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools.map(responsesTool)
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', name: request.toolChoice.name }
  }
  if (request.parallelToolCalls !== undefined && body.tools !== undefined) body.parallel_tool_calls = request.parallelToolCalls
  if (request.responseFormat !== undefined) body.text = { format: responsesFormat(request.responseFormat) }
  if (request.reasoning !== undefined) body.reasoning = { effort: reasoningEffort(request.reasoning) }
  if (stream) body.stream = true
  return body
}

/** Responses puts the schema beside `type` in `text.format`, where Chat Completions nests it in `json_schema`. */
function responsesFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type === 'json_object') return { type: 'json_object' }
  const definition: Record<string, unknown> = { type: 'json_schema', name: format.name, schema: format.schema }
  if (format.strict !== undefined) definition.strict = format.strict
  return definition
}

/**
 * One message as input items. An assistant message's reasoning items go first,
 * as the answer had them; an item without its encrypted content is only a
 * reference to the stored response, so it is left out when the request turns
 * storage off (`store: false`), where OpenAI would answer 404 for it.
 */
function inputItems(message: ChatMessage, stored: boolean): Record<string, unknown>[] {
  switch (message.role) {
    case 'system':
    case 'developer':
      return [{ role: message.role, content: message.content }]
    case 'user':
      return [
        {
          role: 'user',
          content:
            typeof message.content === 'string'
              ? message.content
              : message.content.map((part) =>
                  part.type === 'text'
                    ? { type: 'input_text', text: part.text }
                    : { type: 'input_image', image_url: part.imageUrl },
                ),
        },
      ]
    case 'assistant': {
      const items: Record<string, unknown>[] = (message.reasoning ?? []).flatMap((block) => reasoningItem(block, stored))
      if (message.content) items.push({ role: 'assistant', content: message.content })
      for (const call of message.toolCalls ?? []) {
        items.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments })
      }
      return items
    }
    case 'tool':
      return [{ type: 'function_call_output', call_id: message.toolCallId, output: message.content }]
  }
}

function reasoningItem(block: NonNullable<Extract<ChatMessage, { role: 'assistant' }>['reasoning']>[number], stored: boolean): Record<string, unknown>[] {
  if (block.type !== 'openai_reasoning') return []
  if (block.encryptedContent === undefined && !stored) return []
  const item: Record<string, unknown> = { type: 'reasoning', id: block.id, summary: block.summary.map((text) => ({ type: 'summary_text', text })) }
  if (block.encryptedContent !== undefined) item.encrypted_content = block.encryptedContent
  return [item]
}

function responsesTool(tool: ToolDefinition): Record<string, unknown> {
  const definition: Record<string, unknown> = { type: 'function', name: tool.name, parameters: tool.parameters }
  if (tool.description !== undefined) definition.description = tool.description
  return definition
}

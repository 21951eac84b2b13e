import type { ChatMessage } from '../../model-call/chat-message.js'
import type { ResponseFormat } from '../../model-call/response-format.js'
import type { ToolDefinition } from '../../model-call/tool-definition.js'
import { reasoningEffort } from '../reasoning-budget.js'
import type { ProviderRequest } from '../provider.js'

/** How an OpenAI-format server wants the parts that differ between hosts. */
export interface ChatCompletionsDialect {
  /** OpenAI deprecated `max_tokens` for `max_completion_tokens`; many compatible hosts only know `max_tokens`. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens'
  /** Hosts that do not know the `developer` role get those messages as `system`. */
  developerRole: 'developer' | 'system'
  /**
   * Whether streams ask for usage with `stream_options: { include_usage: true }`
   * (default yes). Hosts that refuse unknown fields (Mistral) get no such field.
   */
  streamUsageOption?: boolean
}

/** The JSON body of `POST /chat/completions`. */
export function chatCompletionsBody(
  request: ProviderRequest,
  dialect: ChatCompletionsDialect,
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map((message) => chatMessage(message, dialect)),
  }
  if (request.maxTokens !== undefined) body[dialect.maxTokensField] = request.maxTokens
  if (request.temperature !== undefined) body.temperature = request.temperature
  if (request.topP !== undefined) body.top_p = request.topP
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools.map(chatTool)
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'string'
        ? request.toolChoice
        : { type: 'function', function: { name: request.toolChoice.name } }
  }
  // OpenAI refuses `parallel_tool_calls` without `tools`; without tools there is nothing for it to govern.
  if (request.parallelToolCalls !== undefined && body.tools !== undefined) body.parallel_tool_calls = request.parallelToolCalls
  if (request.responseFormat !== undefined) body.response_format = chatResponseFormat(request.responseFormat)
  // Only the effort travels: Chat Completions has no budget, so a budget is read as the effort that covers it.
  if (request.reasoning !== undefined) body.reasoning_effort = reasoningEffort(request.reasoning)
  if (stream) {
    body.stream = true
    // Without this the stream carries no usage at all; with it, a last chunk with empty `choices` does.
    if (dialect.streamUsageOption !== false) body.stream_options = { include_usage: true }
  }
  return body
}

function chatMessage(message: ChatMessage, dialect: ChatCompletionsDialect): Record<string, unknown> {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content }
    case 'developer':
      return { role: dialect.developerRole, content: message.content }
    case 'user':
      return {
        role: 'user',
        content:
          typeof message.content === 'string'
            ? message.content
            : message.content.map((part) =>
                part.type === 'text'
                  ? { type: 'text', text: part.text }
                  : { type: 'image_url', image_url: { url: part.imageUrl } },
              ),
      }
    case 'assistant': {
      const assistant: Record<string, unknown> = { role: 'assistant', content: message.content ?? null }
      if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
        assistant.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }))
      }
      return assistant
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content }
  }
}

function chatResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type === 'json_object') return { type: 'json_object' }
  const jsonSchema: Record<string, unknown> = { name: format.name, schema: format.schema }
  if (format.strict !== undefined) jsonSchema.strict = format.strict
  return { type: 'json_schema', json_schema: jsonSchema }
}

function chatTool(tool: ToolDefinition): Record<string, unknown> {
  const definition: Record<string, unknown> = { name: tool.name, parameters: tool.parameters }
  if (tool.description !== undefined) definition.description = tool.description
  return { type: 'function', function: definition }
}

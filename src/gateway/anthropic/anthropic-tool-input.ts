import type { ToolCall } from '../../model-call/tool-call.js'
import { GatewayError } from '../gateway-error.js'
import { isObject, type JsonObject } from '../request-fields.js'

/**
 * A tool call's arguments as a `tool_use` block's `input`, which Anthropic's clients
 * read as an object. Arguments another model wrote that are not a JSON object cannot
 * be given in this format, so the answer is a 502 saying so rather than a made-up input.
 */
export function anthropicToolInput(call: ToolCall): JsonObject {
  let input: unknown
  try {
    input = JSON.parse(call.arguments === '' ? '{}' : call.arguments)
  } catch {
    input = undefined
  }
  if (isObject(input)) return input
  throw new GatewayError({
    status: 502,
    code: 'upstream_failed',
    message: `the model's arguments for tool call ${call.id} (${call.name}) are not a JSON object, which a tool_use block needs`,
  })
}

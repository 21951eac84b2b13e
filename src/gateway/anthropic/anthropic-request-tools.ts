import type { ToolChoice } from '../../model-call/tool-choice.js'
import type { ToolDefinition } from '../../model-call/tool-definition.js'
import { optional, readArray, readBoolean, readEnum, readObject, readString } from '../request-fields.js'
import { readJsonObject } from './nests-within.js'
import { noteOtherKeys } from './note-other-keys.js'
import type { UnmodelledFields } from './unmodelled-fields.js'

const maxTools = 128
const maxToolNameLength = 256
const maxDescriptionLength = 64 * 1024

/**
 * The client's `tools`. A custom tool (no `type`, or `custom`) is a tool definition;
 * a server or client tool of Anthropic's own (`web_search_20250305`, `bash_20250124`,
 * ...) runs only at Anthropic, so it is sent on untouched there and refused elsewhere.
 */
export function readAnthropicTools(value: unknown, unmodelled: UnmodelledFields): ToolDefinition[] {
  const definitions: ToolDefinition[] = []
  readArray(value, 'tools', { max: maxTools }).forEach((item, index) => {
    const param = `tools.${index}`
    const tool = readObject(item, param)
    const type = optional(tool.type, (text) => readString(text, `${param}.type`, { min: 1, max: 128 }))
    if (type !== undefined && type !== 'custom') {
      unmodelled.note(param)
      return
    }
    noteOtherKeys(tool, param, ['type', 'name', 'description', 'input_schema'], unmodelled)
    const definition: ToolDefinition = {
      name: readString(tool.name, `${param}.name`, { min: 1, max: maxToolNameLength }),
      parameters: readJsonObject(tool.input_schema, `${param}.input_schema`),
    }
    const description = optional(tool.description, (text) => readString(text, `${param}.description`, { max: maxDescriptionLength }))
    if (description !== undefined) definition.description = description
    definitions.push(definition)
  })
  return definitions
}

/** The tool choice, and `parallelToolCalls: false` when the client disabled parallel tool use. */
export interface AnthropicToolChoice {
  toolChoice: ToolChoice
  parallelToolCalls?: false
}

/** `auto`, `any` (a tool must be called: switchyard's `required`), `tool` (that one) or `none`. */
export function readAnthropicToolChoice(value: unknown, unmodelled: UnmodelledFields): AnthropicToolChoice {
  const choice = readObject(value, 'tool_choice')
  const type = readEnum(choice.type, 'tool_choice.type', ['auto', 'any', 'tool', 'none'])
  const known = type === 'tool' ? ['type', 'name', 'disable_parallel_tool_use'] : type === 'none' ? ['type'] : ['type', 'disable_parallel_tool_use']
  noteOtherKeys(choice, 'tool_choice', known, unmodelled)
  const toolChoice: ToolChoice =
    type === 'tool' ? { name: readString(choice.name, 'tool_choice.name', { min: 1, max: maxToolNameLength }) } : type === 'any' ? 'required' : type
  const disableParallel = type === 'none' ? undefined : optional(choice.disable_parallel_tool_use, (flag) => readBoolean(flag, 'tool_choice.disable_parallel_tool_use'))
  return disableParallel === true ? { toolChoice, parallelToolCalls: false } : { toolChoice }
}

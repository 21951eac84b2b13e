import type { ReasoningEffort, ReasoningOptions } from '../../model-call/reasoning-options.js'
import type { ResponseFormat } from '../../model-call/response-format.js'
import { invalidField } from '../gateway-error.js'
import { optional, readEnum, readNumber, readObject, readString } from '../request-fields.js'
import { readJsonObject } from './nests-within.js'
import { noteOtherKeys } from './note-other-keys.js'
import type { UnmodelledFields } from './unmodelled-fields.js'

/** The smallest thinking budget the Messages API takes. */
const minimumThinkingBudget = 1024
const modelledEfforts = ['low', 'medium', 'high'] as const

export interface AnthropicReasoning {
  reasoning?: ReasoningOptions
  responseFormat?: ResponseFormat
}

/**
 * `thinking` and `output_config` in switchyard's words. Budgeted thinking
 * (`enabled`) is a reasoning budget; adaptive thinking is a reasoning effort, the
 * one `output_config.effort` names or `high`, the API's default. An effort beside
 * budgeted or no thinking, and the efforts past `high`, have no switchyard word:
 * they go untouched to Anthropic and are refused elsewhere. `output_config.format`
 * is a JSON schema response format.
 */
export function readAnthropicReasoning(options: { thinking: unknown; outputConfig: unknown; maxTokens: number; unmodelled: UnmodelledFields }): AnthropicReasoning {
  const { unmodelled } = options
  const config = optional(options.outputConfig, (value) => readObject(value, 'output_config'))
  const read: AnthropicReasoning = {}
  let effort: ReasoningEffort | undefined
  if (config !== undefined) {
    noteOtherKeys(config, 'output_config', ['effort', 'format'], unmodelled)
    effort = optional(config.effort, readEffort(unmodelled))
    const format = optional(config.format, readFormat(unmodelled))
    if (format !== undefined) read.responseFormat = format
  }
  const thinking = optional(options.thinking, (value) => readObject(value, 'thinking'))
  const type = thinking === undefined ? 'disabled' : readString(thinking.type, 'thinking.type', { min: 1, max: 64 })
  if (thinking !== undefined && type === 'enabled') {
    noteOtherKeys(thinking, 'thinking', ['type', 'budget_tokens'], unmodelled)
    const budgetTokens = readNumber(thinking.budget_tokens, 'thinking.budget_tokens', { min: minimumThinkingBudget, max: options.maxTokens, integer: true })
    if (budgetTokens >= options.maxTokens) throw invalidField('thinking.budget_tokens', `must be less than max_tokens (${options.maxTokens}), which it counts against`)
    read.reasoning = { budgetTokens }
  } else if (thinking !== undefined && type === 'adaptive') {
    noteOtherKeys(thinking, 'thinking', ['type'], unmodelled)
    read.reasoning = { effort: effort ?? 'high' }
    effort = undefined
  } else if (thinking !== undefined && type !== 'disabled') {
    unmodelled.note('thinking')
  }
  if (effort !== undefined) unmodelled.note('output_config.effort')
  return read
}

function readEffort(unmodelled: UnmodelledFields): (value: unknown) => ReasoningEffort | undefined {
  return (value) => {
    const effort = readString(value, 'output_config.effort', { min: 1, max: 64 })
    if ((modelledEfforts as readonly string[]).includes(effort)) return effort as ReasoningEffort
    unmodelled.note('output_config.effort')
    return undefined
  }
}

function readFormat(unmodelled: UnmodelledFields): (value: unknown) => ResponseFormat {
  return (value) => {
    const format = readObject(value, 'output_config.format')
    readEnum(format.type, 'output_config.format.type', ['json_schema'])
    noteOtherKeys(format, 'output_config.format', ['type', 'schema'], unmodelled)
    const schema = readJsonObject(format.schema, 'output_config.format.schema')
    return { type: 'json_schema', name: 'response', schema }
  }
}

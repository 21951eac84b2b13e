import { z } from 'zod'
import type { ReasoningBlock } from '../../model-call/reasoning-block.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import { invalidField } from '../gateway-error.js'

/**
 * What another provider wants back on the next turn that Anthropic's message has no
 * field for: Gemini's thought signatures (Gemini 3 refuses a function call sent back
 * without its own) and the ids it issued, and the OpenAI Responses API's reasoning
 * items. It rides in a `redacted_thinking` block, the one block Anthropic's clients
 * are told to send back untouched and never read; switchyard takes it out again when
 * the conversation comes back, so no provider ever sees it.
 */
export interface CarriedState {
  /** The signature on the answer's text (Gemini). */
  textSignature?: string
  /** By tool call id: its signature, and whether the provider issued the id. */
  calls: { id: string; thoughtSignature?: string; providerIssuedId?: true }[]
  /** Reasoning blocks that are not Claude's (OpenAI Responses reasoning items). */
  reasoning: Extract<ReasoningBlock, { type: 'openai_reasoning' }>[]
}

/** Marks a `redacted_thinking` block's data as switchyard's own; real ones are Anthropic's opaque base64. */
export const carriedStatePrefix = 'switchyard-state-v1:'

const maxCarried = 1024
const opaque = z.string().max(65_536)

const carriedStateSchema = z.strictObject({
  textSignature: opaque.optional(),
  calls: z.array(z.strictObject({ id: z.string().min(1).max(256), thoughtSignature: opaque.optional(), providerIssuedId: z.literal(true).optional() })).max(maxCarried),
  reasoning: z
    .array(z.strictObject({ type: z.literal('openai_reasoning'), id: z.string().min(1).max(256), summary: z.array(z.string().max(1_048_576)).max(maxCarried), encryptedContent: opaque.optional() }))
    .max(maxCarried),
})

/** The state of an answer worth carrying, as a `redacted_thinking` block's data, or undefined when there is none. */
export function carriedStateData(message: { toolCalls: ToolCall[]; thoughtSignature?: string; reasoning?: ReasoningBlock[] }): string | undefined {
  const state: CarriedState = {
    calls: message.toolCalls.flatMap((call) => {
      if (call.thoughtSignature === undefined && call.providerIssuedId !== true) return []
      return [{ id: call.id, ...(call.thoughtSignature === undefined ? {} : { thoughtSignature: call.thoughtSignature }), ...(call.providerIssuedId === true ? { providerIssuedId: true as const } : {}) }]
    }),
    reasoning: (message.reasoning ?? []).filter((block) => block.type === 'openai_reasoning'),
  }
  if (message.thoughtSignature !== undefined) state.textSignature = message.thoughtSignature
  if (state.calls.length === 0 && state.reasoning.length === 0 && state.textSignature === undefined) return undefined
  return carriedStatePrefix + Buffer.from(JSON.stringify(state), 'utf8').toString('base64url')
}

/** Reads back what carriedStateData wrote; a block that claims to be switchyard's and is not is a 400 naming it. */
export function readCarriedState(data: string, param: string): CarriedState {
  const encoded = data.slice(carriedStatePrefix.length)
  let decoded: unknown
  try {
    decoded = /^[A-Za-z0-9_-]*$/.test(encoded) ? JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) : undefined
  } catch {
    decoded = undefined
  }
  const parsed = carriedStateSchema.safeParse(decoded)
  if (!parsed.success) throw invalidField(param, 'is not a block switchyard wrote: send its blocks back as they came')
  return parsed.data
}

/** Puts carried signatures back on the tool calls they belong to, by id. */
export function restoreCarriedCalls(calls: ToolCall[], state: CarriedState): void {
  for (const call of calls) {
    const carried = state.calls.find((entry) => entry.id === call.id)
    if (carried?.thoughtSignature !== undefined) call.thoughtSignature = carried.thoughtSignature
    if (carried?.providerIssuedId === true) call.providerIssuedId = true
  }
}

/**
 * The client's `messages` with switchyard's carried-state blocks taken out, for when
 * the field goes untouched to an Anthropic target (which would refuse a
 * `redacted_thinking` block it did not write).
 */
export function withoutCarriedState(messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages
  return messages.map((message: unknown) => {
    if (typeof message !== 'object' || message === null) return message
    const content = (message as { content?: unknown }).content
    if (!Array.isArray(content) || !content.some(isCarriedStateBlock)) return message
    return { ...message, content: content.filter((block) => !isCarriedStateBlock(block)) }
  })
}

function isCarriedStateBlock(block: unknown): boolean {
  if (typeof block !== 'object' || block === null) return false
  const { type, data } = block as { type?: unknown; data?: unknown }
  return type === 'redacted_thinking' && typeof data === 'string' && data.startsWith(carriedStatePrefix)
}

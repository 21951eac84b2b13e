import type { ToolCall } from '../model-call/tool-call.js'

export interface ToolCallDelta {
  index: number
  id?: string
  name?: string
  argumentsDelta: string
}

/** Assembles streamed tool calls from their deltas, by index (OpenAI) or by content block (Anthropic). */
export class ToolCallAccumulator {
  readonly #calls = new Map<number, { id: string; name: string; argumentParts: string[] }>()

  append(delta: ToolCallDelta): void {
    const call = this.#calls.get(delta.index) ?? { id: '', name: '', argumentParts: [] }
    if (delta.id) call.id = delta.id
    if (delta.name && call.name === '') call.name = delta.name
    if (delta.argumentsDelta !== '') call.argumentParts.push(delta.argumentsDelta)
    this.#calls.set(delta.index, call)
  }

  /** The calls in index order; a call that streamed no arguments gets `{}`. */
  toolCalls(): ToolCall[] {
    return [...this.#calls.entries()]
      .sort(([left], [right]) => left - right)
      .map(([index, call]) => ({
        id: call.id || `call_${index}`,
        name: call.name,
        arguments: call.argumentParts.join('') || '{}',
      }))
  }

  get size(): number {
    return this.#calls.size
  }
}

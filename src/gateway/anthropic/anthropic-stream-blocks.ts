import { randomUUID } from 'node:crypto'
import type { ToolCall } from '../../model-call/tool-call.js'
import type { ChatResult, ChatStreamChunk } from '../../router/chat-request.js'
import { GatewayError } from '../gateway-error.js'
import { anthropicReasoningBlocks } from './anthropic-result-body.js'

/** More tool calls than this in one answer is not a model's answer: the stream ends with an error. */
const maxToolCalls = 1024

interface ToolBlock {
  id?: string
  name?: string
  /** The content block index once started. */
  blockIndex?: number
  /** Arguments that came before the call's id and name did, sent when its block starts. */
  pending: string
}

/** One `event:` / `data:` frame of Anthropic's stream. */
export function anthropicFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * The content blocks of one streamed answer, numbered in the order they start (the
 * SDK appends each `content_block_start` to its message, so indexes must run 0, 1, 2
 * ...). Text deltas go to a text block; each tool call (by the chunk's `index`) is
 * its own `tool_use` block, started once its id and name are known, its arguments as
 * `input_json_delta`s. Starting a block stops the one open before it.
 */
export class AnthropicStreamBlocks {
  #nextIndex = 0
  #open: number | undefined
  #openIsText = false
  readonly #tools = new Map<number, ToolBlock>()

  /** The frames for one chunk of the router's stream. */
  chunk(chunk: ChatStreamChunk): string[] {
    if (chunk.type === 'text-delta') return this.#text(chunk.text)
    return this.#toolDelta(chunk)
  }

  /**
   * The frames that close the answer's content: the open block stopped, any tool call
   * whose id or name never came (taken from the result), then Claude's reasoning
   * blocks. The router's stream carries no thinking deltas, so those come whole, last;
   * a client that sends them back through the gateway has them put first again.
   */
  finish(result: ChatResult): string[] {
    const frames = this.#stop()
    const calls = [...this.#tools.entries()].sort(([left], [right]) => left - right)
    calls.forEach(([, tool], rank) => {
      if (tool.blockIndex !== undefined) return
      const call: ToolCall | undefined = result.toolCalls[rank]
      tool.id ??= call?.id ?? `toolu_${randomUUID().replaceAll('-', '')}`
      tool.name ??= call?.name ?? ''
      frames.push(...this.#startTool(tool), ...this.#stop())
    })
    for (const block of anthropicReasoningBlocks(result.message)) {
      const index = this.#nextIndex++
      if (block.type === 'thinking') {
        frames.push(
          anthropicFrame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
          anthropicFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } }),
          anthropicFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } }),
        )
      } else {
        frames.push(anthropicFrame('content_block_start', { type: 'content_block_start', index, content_block: block }))
      }
      frames.push(anthropicFrame('content_block_stop', { type: 'content_block_stop', index }))
    }
    return frames
  }

  #text(text: string): string[] {
    if (text === '') return []
    const frames: string[] = []
    if (this.#open === undefined || !this.#openIsText) {
      frames.push(...this.#stop())
      const index = this.#begin(true)
      frames.push(anthropicFrame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }))
    }
    frames.push(anthropicFrame('content_block_delta', { type: 'content_block_delta', index: this.#open, delta: { type: 'text_delta', text } }))
    return frames
  }

  #toolDelta(chunk: Extract<ChatStreamChunk, { type: 'tool-call-delta' }>): string[] {
    let tool = this.#tools.get(chunk.index)
    if (tool === undefined) {
      if (this.#tools.size >= maxToolCalls) {
        throw new GatewayError({ status: 502, code: 'upstream_failed', message: `the model streamed more than ${maxToolCalls} tool calls` })
      }
      tool = { pending: '' }
      this.#tools.set(chunk.index, tool)
    }
    if (tool.id === undefined && chunk.id !== undefined && chunk.id !== '') tool.id = chunk.id
    if (tool.name === undefined && chunk.name !== undefined && chunk.name !== '') tool.name = chunk.name
    if (tool.blockIndex !== undefined) return chunk.argumentsDelta === '' ? [] : [this.#inputDelta(tool.blockIndex, chunk.argumentsDelta)]
    tool.pending += chunk.argumentsDelta
    if (tool.id === undefined || tool.name === undefined) return []
    return [...this.#stop(), ...this.#startTool(tool)]
  }

  #startTool(tool: ToolBlock): string[] {
    const index = this.#begin(false)
    tool.blockIndex = index
    const frames = [
      anthropicFrame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } }),
    ]
    if (tool.pending !== '') frames.push(this.#inputDelta(index, tool.pending))
    tool.pending = ''
    return frames
  }

  #inputDelta(index: number, partialJson: string): string {
    return anthropicFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partialJson } })
  }

  #begin(isText: boolean): number {
    const index = this.#nextIndex++
    this.#open = index
    this.#openIsText = isText
    return index
  }

  #stop(): string[] {
    if (this.#open === undefined) return []
    const index = this.#open
    this.#open = undefined
    return [anthropicFrame('content_block_stop', { type: 'content_block_stop', index })]
  }
}

import type { ContentPart } from './content-part.js'
import type { ReasoningBlock } from './reasoning-block.js'
import type { ToolCall } from './tool-call.js'

/** A chat message in OpenAI shape, the request format of switchyard. */
export type ChatMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | ContentPart[] }
  | {
      role: 'assistant'
      content?: string | null
      toolCalls?: ToolCall[]
      /** The provider's signature on the text of this turn (Gemini), sent back untouched; see ModelCallResult. */
      thoughtSignature?: string
      /** The answer's reasoning blocks (Anthropic thinking with signatures), sent back first and untouched; see ModelCallResult. */
      reasoning?: ReasoningBlock[]
    }
  | { role: 'tool'; toolCallId: string; content: string }

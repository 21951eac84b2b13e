/** A tool the model asked to call. */
export interface ToolCall {
  id: string
  name: string
  /** JSON text of the arguments, as the model produced it. */
  arguments: string
  /**
   * An opaque signature the provider attached to the call and wants back, untouched,
   * when the conversation is sent again (Gemini's `thoughtSignature`: Gemini 3
   * refuses the next turn without it).
   */
  thoughtSignature?: string
}

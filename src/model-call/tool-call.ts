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
  /**
   * True when the provider issued `id` itself (Gemini sends ids on some calls only):
   * such an id goes back to it on the call and on the call's result. An id switchyard
   * made up, or a caller wrote, is never sent to a provider that issues its own.
   */
  providerIssuedId?: boolean
}

/**
 * A block of the model's reasoning that the provider wants back, untouched and in
 * order, when the conversation is sent again: Anthropic's `thinking` blocks (the
 * summarized text with its `signature`) and `redacted_thinking` blocks (opaque
 * `data`). Kept on the result and on the assistant message that echoes it.
 */
export type ReasoningBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }

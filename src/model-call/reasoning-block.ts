/**
 * A block of the model's reasoning that the provider wants back, untouched and in
 * order, when the conversation is sent again: Anthropic's `thinking` blocks (the
 * summarized text with its `signature`) and `redacted_thinking` blocks (opaque
 * `data`), and the OpenAI Responses API's reasoning items (by `id`, with their
 * `encrypted_content` when it was asked for). Kept on the result and on the
 * assistant message that echoes it; each format sends back only its own.
 */
export type ReasoningBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'openai_reasoning'; id: string; summary: string[]; encryptedContent?: string }

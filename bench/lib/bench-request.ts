import type { ChatMessage } from '../../src/model-call/chat-message.js'

/** The one request every client of a benchmark sends: a short question, an output limit. */
export const benchModel = 'gpt-4o-mini'
export const benchMessages: ChatMessage[] = [
  { role: 'system', content: 'You answer geography questions in one sentence.' },
  { role: 'user', content: 'What is the capital of France?' },
]
export const benchMaxTokens = 256
/** Roughly what the messages above take, for reservations. */
export const benchInputTokens = 24

import { countCharacters, tokensForCharacters } from './estimate-output-tokens.js'

/** How deep into captured messages text is looked for, and how many values are read: captured content is input from the network. */
const maxDepth = 8
const maxValues = 10_000

/**
 * Estimates the tokens of captured message content (`gen_ai.input.messages`,
 * `gen_ai.output.messages`: JSON lists of messages with text parts), for a span
 * that reports no token counts: the text of every `content` and `text` string,
 * at about four characters a token. A value that is not JSON counts as text
 * (OpenLLMetry's `gen_ai.prompt.0.content`). Bounded in depth and values read.
 */
export function capturedContentTokens(value: string): number {
  let json: unknown
  try {
    json = JSON.parse(value)
  } catch {
    return tokensForCharacters(countCharacters(value))
  }
  if (typeof json === 'string') return tokensForCharacters(countCharacters(json))
  const counter = { characters: 0, values: 0 }
  countText(json, 0, counter)
  return tokensForCharacters(counter.characters)
}

function countText(value: unknown, depth: number, counter: { characters: number; values: number }): void {
  if (depth > maxDepth || counter.values >= maxValues || value === null || typeof value !== 'object') return
  counter.values += 1
  if (Array.isArray(value)) {
    for (const item of value) countText(item, depth + 1, counter)
    return
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') {
      if (key === 'content' || key === 'text' || key === 'arguments') counter.characters += countCharacters(item)
    } else {
      countText(item, depth + 1, counter)
    }
  }
}

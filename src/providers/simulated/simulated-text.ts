import type { SeededRandom } from './seeded-random.js'

const words = [
  'the', 'route', 'model', 'agent', 'token', 'budget', 'span', 'stream', 'call', 'provider',
  'retry', 'latency', 'cache', 'answer', 'plan', 'step', 'tool', 'result', 'spend', 'window',
  'quickly', 'carefully', 'then', 'and', 'with', 'for', 'every', 'each', 'one', 'next',
  'checks', 'returns', 'writes', 'reads', 'falls', 'back', 'to', 'a', 'second', 'target',
]

/** Characters per token, the usual rule of thumb for English text. */
export const charactersPerToken = 4

/**
 * Deterministic filler text of about `tokens` tokens (4 characters each): the
 * same random state gives the same text. Sentences start with a capital and end
 * with a full stop, so a demo looks like prose.
 */
export function simulatedText(random: SeededRandom, tokens: number): string {
  const targetLength = Math.max(0, tokens) * charactersPerToken
  let text = ''
  let sentenceStart = true
  while (text.length < targetLength) {
    const word = words[random.integer(0, words.length - 1)] ?? 'token'
    const shown = sentenceStart ? word[0]?.toUpperCase() + word.slice(1) : word
    sentenceStart = random.next() < 0.12
    text += (text === '' ? '' : ' ') + shown + (sentenceStart ? '.' : '')
  }
  return text.slice(0, targetLength)
}

/** Tokens of a text by the 4-characters rule. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / charactersPerToken)
}

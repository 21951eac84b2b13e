import { readFileSync } from 'node:fs'
import path from 'node:path'
import { repositoryRoot } from './child-process.js'

const fixtures = path.join(repositoryRoot, 'test', 'fixtures', 'openai')

/** The recorded Chat Completions answer (o4-mini, with cached and reasoning tokens), as the upstream sends it. */
export function chatCompletionBody(): Buffer {
  const parsed = JSON.parse(readFileSync(path.join(fixtures, 'chat-completion.json'), 'utf8')) as unknown
  return Buffer.from(JSON.stringify(parsed), 'utf8')
}

/**
 * A streamed answer in the recorded chunk format: a role chunk, `contentChunks`
 * text deltas, the finish chunk and the usage chunk (`stream_options.include_usage`),
 * then `[DONE]`: one SSE event each.
 */
export function chatStreamEvents(contentChunks: number): Buffer[] {
  const recorded = readFileSync(path.join(fixtures, 'chat-stream.sse'), 'utf8')
  const events = recorded.split('\n\n').map((event) => event.trim()).filter((event) => event.startsWith('data: {'))
  const first = JSON.parse(events[0]!.slice('data: '.length)) as Record<string, unknown>
  const last = JSON.parse(events.at(-1)!.slice('data: '.length)) as Record<string, unknown>
  const chunk = (delta: Record<string, unknown>, finishReason: string | null): string => JSON.stringify({
    ...first,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  })
  const words = ['The', ' capital', ' of', ' France', ' is', ' Paris', ',', ' a', ' city', ' on', ' the', ' Seine', '.']
  const lines = [
    chunk({ role: 'assistant', content: '', refusal: null }, null),
    ...Array.from({ length: contentChunks }, (_, index) => chunk({ content: words[index % words.length] }, null)),
    chunk({}, 'stop'),
    JSON.stringify({ ...last, usage: { ...(last.usage as object), completion_tokens: contentChunks } }),
  ]
  return [...lines.map((line) => Buffer.from(`data: ${line}\n\n`, 'utf8')), Buffer.from('data: [DONE]\n\n', 'utf8')]
}

import OpenAI from 'openai'
import { benchMaxTokens, benchMessages, benchModel } from './bench-request.js'

/** The official `openai` SDK against the bench upstream: the same request, no retries. */
export function createOpenAIClient(upstreamUrl: string): OpenAI {
  return new OpenAI({ baseURL: `${upstreamUrl}/v1`, apiKey: 'bench-key', maxRetries: 0 })
}

export async function openaiChat(client: OpenAI): Promise<string> {
  const completion = await client.chat.completions.create({ model: benchModel, messages: benchMessages.map(toOpenAIMessage), max_completion_tokens: benchMaxTokens })
  return completion.choices[0]?.message.content ?? ''
}

export async function openaiStream(client: OpenAI): Promise<string> {
  const stream = await client.chat.completions.create({
    model: benchModel,
    messages: benchMessages.map(toOpenAIMessage),
    max_completion_tokens: benchMaxTokens,
    stream: true,
    stream_options: { include_usage: true },
  })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
  return text
}

function toOpenAIMessage(message: (typeof benchMessages)[number]): OpenAI.Chat.ChatCompletionMessageParam {
  if (message.role === 'system') return { role: 'system', content: message.content }
  if (message.role === 'user' && typeof message.content === 'string') return { role: 'user', content: message.content }
  throw new Error('the bench request holds only system and user text messages')
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anthropicStreamFrames } from '../../src/gateway/anthropic/anthropic-stream-frames.js'
import { encodeOpenAIChatStream } from '../../src/gateway/openai/openai-chat-stream.js'
import type { ParsedClientRequest } from '../../src/gateway/wire-format.js'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { fixture, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let upstream: ProviderServer
let router: Router

beforeAll(async () => {
  upstream = await startProviderServer()
  router = createRouter({
    providers: { primary: { type: 'openai', apiKey: 'sk-frames', baseURL: `${upstream.url}/v1` } },
    routes: { smart: { targets: [{ provider: 'primary', model: 'o4-mini' }], retry: { attempts: 1 } } },
  })
})
afterAll(async () => {
  await router?.close()
  await upstream?.close()
})

const request: ParsedClientRequest = { chat: { route: 'smart', messages: [{ role: 'user', content: 'hi' }] }, requestedModel: 'smart', stream: true, includeUsage: true }

/** The text a client reads from the frames: every delta's content (OpenAI) or text (Anthropic). */
function textOf(frames: readonly string[]): string {
  let text = ''
  for (const frame of frames) {
    for (const line of frame.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue
      const event = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }>; delta?: { text?: string } }
      text += event.choices?.[0]?.delta?.content ?? event.delta?.text ?? ''
    }
  }
  return text
}

describe('the frames of a real routed stream, pulled one at a time (encodeStream)', () => {
  for (const [name, encode] of [['OpenAI', encodeOpenAIChatStream], ['Anthropic', anthropicStreamFrames]] as const) {
    it(`carry every chunk's text in ${name} format, the same as the call's result`, async () => {
      upstream.reply({ sse: fixture('openai/chat-stream.sse'), chunkSizes: [40, 9, 30, 30, 30, 30, 30, 300] })
      const stream = router.stream({ route: 'smart', messages: [{ role: 'user', content: 'hi' }] })
      const frames: string[] = []
      for await (const frame of encode(stream, request)) frames.push(frame)
      const result = await stream.result
      expect(result.text.length).toBeGreaterThan(0)
      expect(textOf(frames)).toBe(result.text)
    })
  }
})

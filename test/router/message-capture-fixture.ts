import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { expect } from 'vitest'
import { createRouter, type Router } from '../../src/router/create-router.js'
import { fixtureJson, type ProviderServer } from '../helpers/provider-server.js'

/** Routers over one loopback OpenAI server, and the one model-call span a call of theirs made. */
export function messageCaptureFixture(options: { exporter: InMemorySpanExporter; server: () => ProviderServer }): {
  routerFor(captureMessageContent: boolean | undefined): Router
  callSpan(router: Router, prompt: string): Promise<ReadableSpan>
} {
  const { exporter, server } = options
  return {
    routerFor(captureMessageContent) {
      return createRouter({
        providers: { openai: { type: 'openai', apiKey: 'sk-capture-test', baseURL: `${server().url}/v1` } },
        routes: { plan: { targets: [{ provider: 'openai', model: 'o4-mini' }] } },
        ...(captureMessageContent === undefined ? {} : { captureMessageContent }),
      })
    },
    async callSpan(router, prompt) {
      exporter.reset()
      server().reply({ body: fixtureJson('openai/chat-completion.json') })
      await router.chat({ route: 'plan', messages: [{ role: 'user', content: prompt }] })
      const calls = exporter.getFinishedSpans().filter((span) => span.name === 'chat o4-mini')
      expect(calls).toHaveLength(1)
      return calls[0]!
    },
  }
}

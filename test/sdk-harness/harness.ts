import { createRouter, type Router } from '../../src/router/create-router.js'
import type { ChatRequest, ChatResult } from '../../src/router/chat-request.js'
import type { FinishReason } from '../../src/model-call/finish-reason.js'
import type { Usage } from '../../src/model-call/usage.js'
import type { RecordedRequest } from '../helpers/provider-server.js'

/*
 * The harness's shared parts: a router with one route per wire format, all pointed at
 * the loopback server the test started, and the two views the comparisons take: what a
 * client put on the wire, and what it parsed out of an answer.
 */

export const apiKey = 'sk-harness-SECRET'

/** The model each route targets (any name works against the loopback server; these are real ones). */
export const models = {
  openai: 'gpt-5-mini',
  anthropic: 'claude-sonnet-4-6',
  gemini: 'gemini-3-flash-preview',
} as const

/**
 * A router with one route per format, as a user configures it: `openai` and `responses`
 * (the same OpenAI provider; the Responses API is picked per request), `anthropic`,
 * `gemini`. One attempt per call, so a failed comparison never consumes a second answer.
 */
export function harnessRouter(serverUrl: string): Router {
  const once = { attempts: 1 }
  return createRouter({
    providers: {
      openai: { type: 'openai', apiKey, baseURL: `${serverUrl}/v1` },
      anthropic: { type: 'anthropic', apiKey, baseURL: serverUrl },
      gemini: { type: 'gemini', apiKey, baseURL: serverUrl },
    },
    routes: {
      openai: { targets: [{ provider: 'openai', model: models.openai }], retry: once },
      anthropic: { targets: [{ provider: 'anthropic', model: models.anthropic }], retry: once },
      gemini: { targets: [{ provider: 'gemini', model: models.gemini }], retry: once },
    },
  })
}

/** A routed call, plain or streamed; a stream is read to its end, as a caller does. */
export async function routedCall(router: Router, request: ChatRequest, streamed: boolean): Promise<ChatResult> {
  if (!streamed) return router.chat(request)
  const stream = router.stream(request)
  for await (const chunk of stream) void chunk
  return stream.result
}

/** Headers whose difference would change what the provider does with the request. */
const headersThatMatter = [
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'anthropic-version',
  'anthropic-beta',
  'openai-organization',
  'openai-project',
] as const

export interface Wire {
  method: string
  path: string
  contentType: string | undefined
  headers: Record<string, string>
  body: Record<string, unknown>
}

/** What one client put on the wire, reduced to what the provider acts on. */
export function wireOf(request: RecordedRequest): Wire {
  const headers: Record<string, string> = {}
  for (const name of headersThatMatter) {
    const value = request.headers[name]
    if (typeof value === 'string') headers[name] = value
  }
  return {
    method: request.method,
    path: request.url,
    // Parameters such as `; charset=utf-8` do not change how a JSON body is read.
    contentType: request.headers['content-type']?.split(';')[0]?.trim(),
    headers,
    body: request.json() as Record<string, unknown>,
  }
}

/** What a client parsed out of one answer, in one shape for both sides. */
export interface Parsed {
  text: string
  toolCalls: { id: string; name: string; arguments: unknown }[]
  usage: Usage
  finishReason: FinishReason
}

/** switchyard's side of the comparison: its result, with the tool arguments read as JSON. */
export function parsedOfSwitchyard(result: ChatResult): Parsed {
  return {
    text: result.text,
    toolCalls: result.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: JSON.parse(call.arguments) as unknown })),
    usage: result.usage,
    finishReason: result.finishReason,
  }
}

/** A usage with every count at zero but those given. */
export function usageOf(counts: Partial<Usage>): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    cacheWrite1hInputTokens: 0,
    reasoningOutputTokens: 0,
    ...counts,
  }
}

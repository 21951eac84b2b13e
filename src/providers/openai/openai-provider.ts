import { collectSecrets } from '../collect-secrets.js'
import { driveStream, type StreamAccumulator } from '../drive-stream.js'
import { HttpTransport } from '../http-transport.js'
import { parseWire, parseWireFast } from '../parse-wire.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { Provider, ProviderRequest, StreamEvent } from '../provider.js'
import { chatCompletionsBody, type ChatCompletionsDialect } from './chat-completions-body.js'
import { chatCompletionResult, chatCompletionWire } from './chat-completions-result.js'
import { ChatCompletionsStreamAccumulator } from './chat-completions-stream.js'
import { responsesBody } from './responses-body.js'
import { responseSchema, responsesResult } from './responses-result.js'
import { ResponsesStreamAccumulator } from './responses-stream.js'

/** How the API key is sent: `Authorization: Bearer` (OpenAI and most hosts), Azure's `api-key` header, or not at all (local servers). */
export type AuthStyle = 'bearer' | 'api-key' | 'none'

export interface OpenAIProviderOptions extends Partial<ChatCompletionsDialect> {
  /** The GenAI provider name on spans; `openai` unless this is another host. */
  providerName?: string
  /** Including the version prefix, as in the official SDK: `https://api.openai.com/v1`. */
  baseURL?: string
  apiKey?: string
  authStyle?: AuthStyle
  /** Extra headers for every request (OpenAI-Organization, HTTP-Referer, ...). */
  headers?: Record<string, string>
  /** Extra query parameters for every request (Azure's `api-version`). */
  query?: Record<string, string>
  /** Longest wait for response headers and longest silence within a body, in ms. */
  timeoutMs?: number
  /** Keep-alive connections at most. */
  connections?: number
}

const defaultBaseURL = 'https://api.openai.com/v1'

/**
 * The OpenAI wire format over one keep-alive pool: Chat Completions
 * (`POST {baseURL}/chat/completions`) and, when `request.api` is `responses`,
 * the Responses API (`POST {baseURL}/responses`), plain and streamed. It is
 * parameterized by host, auth style, dialect and provider name, so that every
 * OpenAI-compatible server is a configuration of it, not a copy.
 */
export class OpenAIProvider implements Provider {
  readonly providerName: string
  readonly #transport: HttpTransport
  readonly #dialect: ChatCompletionsDialect

  constructor(options: OpenAIProviderOptions = {}) {
    this.providerName = options.providerName ?? 'openai'
    this.#dialect = {
      maxTokensField: options.maxTokensField ?? 'max_completion_tokens',
      developerRole: options.developerRole ?? 'developer',
      streamUsageOption: options.streamUsageOption ?? true,
    }
    const headers = { ...options.headers, ...authHeaders(options.authStyle ?? 'bearer', options.apiKey) }
    this.#transport = new HttpTransport({
      providerName: this.providerName,
      baseURL: options.baseURL ?? defaultBaseURL,
      headers,
      query: options.query,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      secrets: collectSecrets({ apiKey: options.apiKey, headers, query: options.query }),
    })
  }

  get serverAddress(): string {
    return this.#transport.serverAddress
  }

  get serverPort(): number {
    return this.#transport.serverPort
  }

  async chat(request: ProviderRequest): Promise<ModelCallResult> {
    const context = this.#transport.context(request.model)
    const { model, signal } = request
    if (request.api === 'responses') {
      const body = await this.#transport.postJson({ path: '/responses', body: responsesBody(request, false), model, signal })
      return responsesResult(parseWire(body, responseSchema, context), context)
    }
    const body = await this.#transport.postJson({
      path: '/chat/completions',
      body: chatCompletionsBody(request, this.#dialect, false),
      model,
      signal,
    })
    return chatCompletionResult(parseWireFast(body, chatCompletionWire, context), context)
  }

  stream(request: ProviderRequest): AsyncGenerator<StreamEvent> {
    const context = this.#transport.context(request.model)
    const responses = request.api === 'responses'
    const accumulator: StreamAccumulator = responses
      ? new ResponsesStreamAccumulator(context)
      : new ChatCompletionsStreamAccumulator(context)
    const open = async (): Promise<AsyncIterable<Uint8Array>> => (await this.#transport.post({
      path: responses ? '/responses' : '/chat/completions',
      body: responses ? responsesBody(request, true) : chatCompletionsBody(request, this.#dialect, true),
      model: request.model,
      signal: request.signal,
      stream: true,
    })).body
    return driveStream({ open, accumulator, context, signal: request.signal })
  }

  async close(): Promise<void> {
    await this.#transport.close()
  }
}

function authHeaders(style: AuthStyle, apiKey: string | undefined): Record<string, string> {
  if (apiKey === undefined || apiKey === '' || style === 'none') return {}
  return style === 'bearer' ? { authorization: `Bearer ${apiKey}` } : { 'api-key': apiKey }
}

/** An OpenAI provider (see OpenAIProvider). */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): OpenAIProvider {
  return new OpenAIProvider(options)
}

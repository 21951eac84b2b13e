import { Pool } from 'undici'
import { benchMaxTokens, benchMessages } from './bench-request.js'

export interface OpenAIWireClientOptions {
  /** `http://127.0.0.1:<port>`: the upstream itself, or a gateway in front of it. */
  url: string
  /** The request's `model`: the upstream's model name, or a gateway's route. */
  model: string
  /** Added to every request (a gateway's routing headers); `authorization` is always sent. */
  headers?: Record<string, string>
  connections: number
}

/** What one answer came with: its text, and the response headers a check may want to see. */
export interface WireAnswer {
  text: string
  headers: Record<string, string | string[] | undefined>
  /** Stream only: the usage chunk's `total_tokens`, when the stream had one. */
  streamTotalTokens?: number
}

/**
 * The same client work for every way of reaching the upstream (direct, through a
 * gateway): one undici request on a keep-alive pool, the body read and parsed as
 * JSON; for a stream, the SSE events split and each parsed. Only the URL, the
 * `model` and the headers differ, so a difference in time is the path's.
 */
export class OpenAIWireClient {
  readonly #pool: Pool
  readonly #headers: Record<string, string>
  readonly #chatBody: string
  readonly #streamBody: string

  constructor(options: OpenAIWireClientOptions) {
    this.#pool = new Pool(options.url, { connections: options.connections })
    this.#headers = { 'content-type': 'application/json', authorization: 'Bearer bench-key', ...options.headers }
    const request = { model: options.model, messages: benchMessages, max_completion_tokens: benchMaxTokens }
    this.#chatBody = JSON.stringify(request)
    this.#streamBody = JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } })
  }

  async chat(): Promise<WireAnswer> {
    const { statusCode, headers, body } = await this.#pool.request({ method: 'POST', path: '/v1/chat/completions', headers: this.#headers, body: this.#chatBody })
    const text = await body.text()
    if (statusCode !== 200) throw new Error(`answered ${statusCode}: ${text.slice(0, 300)}`)
    const parsed = JSON.parse(text) as { choices: { message: { content: string } }[] }
    return { text: parsed.choices[0]?.message.content ?? '', headers }
  }

  async stream(): Promise<WireAnswer> {
    const { statusCode, headers, body } = await this.#pool.request({ method: 'POST', path: '/v1/chat/completions', headers: this.#headers, body: this.#streamBody })
    if (statusCode !== 200) throw new Error(`answered ${statusCode}: ${(await body.text()).slice(0, 300)}`)
    body.setEncoding('utf8')
    let buffered = ''
    let text = ''
    let streamTotalTokens: number | undefined
    for await (const chunk of body as AsyncIterable<string>) {
      buffered += chunk
      let end = buffered.indexOf('\n\n')
      while (end !== -1) {
        const event = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        end = buffered.indexOf('\n\n')
        if (!event.startsWith('data: ') || event === 'data: [DONE]') continue
        const parsed = JSON.parse(event.slice(6)) as { choices?: { delta?: { content?: string } }[]; usage?: { total_tokens?: number } | null }
        text += parsed.choices?.[0]?.delta?.content ?? ''
        if (typeof parsed.usage?.total_tokens === 'number') streamTotalTokens = parsed.usage.total_tokens
      }
    }
    return { text, headers, streamTotalTokens }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}

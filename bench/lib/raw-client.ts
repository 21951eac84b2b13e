import { Pool } from 'undici'
import { benchMaxTokens, benchMessages, benchModel } from './bench-request.js'

/**
 * The baseline: what any client must do at the least for one call, with the
 * same HTTP client the router uses: serialize the request, one undici request on
 * a keep-alive pool of 32 connections, read and parse the answer. For a stream,
 * split the SSE events and parse each one.
 */
export class RawClient {
  readonly #pool: Pool
  readonly #headers = { 'content-type': 'application/json', authorization: 'Bearer bench-key' }

  constructor(upstreamUrl: string) {
    this.#pool = new Pool(upstreamUrl, { connections: 32 })
  }

  async chat(): Promise<string> {
    const { statusCode, body } = await this.#pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: this.#headers,
      body: JSON.stringify({ model: benchModel, messages: benchMessages, max_completion_tokens: benchMaxTokens }),
    })
    const parsed = JSON.parse(await body.text()) as { choices: { message: { content: string } }[] }
    if (statusCode !== 200) throw new Error(`upstream answered ${statusCode}`)
    return parsed.choices[0]?.message.content ?? ''
  }

  async stream(): Promise<string> {
    const { statusCode, body } = await this.#pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: this.#headers,
      body: JSON.stringify({ model: benchModel, messages: benchMessages, max_completion_tokens: benchMaxTokens, stream: true, stream_options: { include_usage: true } }),
    })
    if (statusCode !== 200) throw new Error(`upstream answered ${statusCode}`)
    body.setEncoding('utf8')
    let buffered = ''
    let text = ''
    for await (const chunk of body as AsyncIterable<string>) {
      buffered += chunk
      let end = buffered.indexOf('\n\n')
      while (end !== -1) {
        const event = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        end = buffered.indexOf('\n\n')
        if (!event.startsWith('data: ') || event === 'data: [DONE]') continue
        const parsed = JSON.parse(event.slice(6)) as { choices: { delta: { content?: string } }[] }
        text += parsed.choices[0]?.delta.content ?? ''
      }
    }
    return text
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}

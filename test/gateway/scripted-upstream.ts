import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request the upstream received. */
export interface UpstreamRequest {
  model: string
  stream: boolean
  headers: IncomingHttpHeaders
  body: string
  url: string
}

/** The usage every answer reports; tests price calls from it. */
export interface UpstreamUsage {
  promptTokens: number
  completionTokens: number
}

/**
 * A real OpenAI-format upstream on 127.0.0.1 port 0 that answers by model name, for
 * tests of the gateway under load. A first message whose content is `hold` keeps a
 * plain answer until `release()`; `hold` in a streamed request sends one chunk and
 * keeps the stream open. Anything else is answered after `delayMs` with the model's name (plain, or a whole stream with a usage
 * chunk). It counts requests and notes when a response it had not finished is closed.
 */
export interface ScriptedUpstream {
  url: string
  requests: UpstreamRequest[]
  /** Date.now() of each response closed before the upstream finished it. */
  abandonedAt: number[]
  /** Requests whose answers are being held or delayed right now. */
  pending(): number
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>
  /** Resolves once `count` unfinished responses were closed; rejects after `timeoutMs`. */
  waitForAbandoned(count: number, timeoutMs?: number): Promise<void>
  /** Finish every held plain answer. */
  release(): void
  close(): Promise<void>
}

export interface ScriptedUpstreamOptions {
  delayMs?: number
  usage?: UpstreamUsage
}

const defaultUsage: UpstreamUsage = { promptTokens: 3, completionTokens: 4 }

function usageJson(usage: UpstreamUsage): Record<string, number> {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens }
}

function completionBody(model: string, usage: UpstreamUsage): string {
  return JSON.stringify({
    id: 'chatcmpl-up', object: 'chat.completion', created: 1, model,
    choices: [{ index: 0, message: { role: 'assistant', content: `answered by ${model}` }, finish_reason: 'stop' }],
    usage: usageJson(usage),
  })
}

function chunkFrame(model: string, delta: Record<string, unknown>, finish: string | null, usage?: UpstreamUsage): string {
  const choices = usage === undefined ? [{ index: 0, delta, finish_reason: finish }] : []
  return `data: ${JSON.stringify({ id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1, model, choices, ...(usage === undefined ? {} : { usage: usageJson(usage) }) })}\n\n`
}

function streamBody(model: string, usage: UpstreamUsage): string {
  return chunkFrame(model, { role: 'assistant', content: 'answered by ' }, null)
    + chunkFrame(model, { content: model }, null)
    + chunkFrame(model, {}, 'stop')
    + chunkFrame(model, {}, null, usage)
    + 'data: [DONE]\n\n'
}

/** Polls `done` every 10 ms until it holds, or rejects after `timeoutMs`. */
export async function waitUntil(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export async function startScriptedUpstream(options: ScriptedUpstreamOptions = {}): Promise<ScriptedUpstream> {
  const usage = options.usage ?? defaultUsage
  const requests: UpstreamRequest[] = []
  const abandonedAt: number[] = []
  const held: Array<() => void> = []
  const timers = new Set<NodeJS.Timeout>()
  let pending = 0
  const watchAbandon = (response: ServerResponse): void => {
    pending += 1
    response.on('close', () => {
      pending -= 1
      if (!response.writableFinished) abandonedAt.push(Date.now())
    })
  }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let parsed: { model?: string; stream?: boolean; messages?: Array<{ content?: unknown }> } = {}
      try {
        parsed = JSON.parse(body) as typeof parsed
      } catch {
        // Recorded as is: a test asserts what reached the upstream.
      }
      const model = parsed.model ?? ''
      const stream = parsed.stream === true
      requests.push({ model, stream, headers: request.headers, body, url: request.url ?? '' })
      watchAbandon(response)
      const hold = parsed.messages?.[0]?.content === 'hold'
      if (hold && stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write(chunkFrame(model, { role: 'assistant', content: 'first words' }, null))
        return
      }
      const answer = (): void => {
        if (response.destroyed) return
        if (stream) response.writeHead(200, { 'content-type': 'text/event-stream' }).end(streamBody(model, usage))
        else response.writeHead(200, { 'content-type': 'application/json' }).end(completionBody(model, usage))
      }
      if (hold) {
        held.push(answer)
        return
      }
      if (options.delayMs === undefined) {
        answer()
        return
      }
      const timer = setTimeout(() => {
        timers.delete(timer)
        answer()
      }, options.delayMs)
      timers.add(timer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    abandonedAt,
    pending: () => pending,
    waitForRequests: (count, timeoutMs) => waitUntil(() => requests.length >= count, `${count} upstream requests`, timeoutMs),
    waitForAbandoned: (count, timeoutMs) => waitUntil(() => abandonedAt.length >= count, `${count} abandoned upstream responses`, timeoutMs),
    release: () => held.splice(0).forEach((answer) => answer()),
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

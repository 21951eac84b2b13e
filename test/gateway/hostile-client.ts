import { connect } from 'node:net'

/** What a hostile request got back: status, headers and body text as the client saw them. */
export interface HostileAnswer {
  status: number
  headers: Record<string, string>
  text: string
  /** The body parsed as the OpenAI error shape, when it is one. */
  error: { message?: string; type?: string; code?: string; param?: string | null } | undefined
}

/** POST `body` to `url` with fetch, reading the whole answer (bounded: 20 s). */
export async function postRaw(url: string, body: string | Uint8Array, headers: Record<string, string>): Promise<HostileAnswer> {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) })
  const text = await response.text()
  return { status: response.status, headers: Object.fromEntries(response.headers), text, error: errorOf(text) }
}

function errorOf(text: string): HostileAnswer['error'] {
  try {
    const parsed = JSON.parse(text) as { error?: HostileAnswer['error'] }
    return parsed.error
  } catch {
    return undefined
  }
}

/** What a raw socket exchange saw: the bytes answered, and when the server closed the connection. */
export interface RawExchange {
  /** Everything the server sent, as latin1 text. */
  received: string
  /** Milliseconds from the first byte written until the server closed (undefined: still open at `waitMs`). */
  closedAfterMs: number | undefined
  /** The status of the first answer, or undefined when none came. */
  status: number | undefined
}

/**
 * Talk HTTP/1.1 over a plain socket, to send what no well-behaved client would:
 * bytes written in `parts` with `gapMs` between them, then wait until the server
 * closes or `waitMs` passes. The socket is always destroyed before returning.
 */
export async function rawExchange(port: number, parts: Array<string | Buffer>, options: { gapMs?: number; waitMs: number }): Promise<RawExchange> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => undefined)
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  const startedAt = Date.now()
  let closedAt: number | undefined
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    closedAt = Date.now()
    resolve()
  }))
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  for (const part of parts) {
    if (socket.destroyed || closedAt !== undefined) break
    socket.write(part)
    if (options.gapMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.gapMs))
  }
  let timer: NodeJS.Timeout | undefined
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.waitMs)))])
  clearTimeout(timer)
  socket.destroy()
  const received = Buffer.concat(chunks).toString('latin1')
  const statusMatch = /^HTTP\/1\.1 (\d{3})/.exec(received)
  return { received, closedAfterMs: closedAt === undefined ? undefined : closedAt - startedAt, status: statusMatch === null ? undefined : Number(statusMatch[1]) }
}

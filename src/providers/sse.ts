/** One dispatched Server-Sent Event. */
export interface ServerSentEvent {
  /** The `event:` field, `message` when the server sent none. */
  event: string
  /** The `data:` lines joined with `\n`. */
  data: string
  id?: string
}

export interface ServerSentEventLimits {
  /** Longest line accepted, in UTF-16 code units; a longer one is an error, not unbounded memory. */
  maxLineLength?: number
  /** Largest `data` of one event (multi-line data), in UTF-16 code units. */
  maxEventLength?: number
}

const defaultMaxLineLength = 8 * 1024 * 1024
const defaultMaxEventLength = 16 * 1024 * 1024

/** A line or event over the configured limit: the stream is abandoned. */
export class ServerSentEventTooLongError extends Error {
  readonly limit: number
  constructor(what: 'line' | 'event', limit: number) {
    super(`an SSE ${what} exceeded the limit of ${limit} characters`)
    this.name = 'ServerSentEventTooLongError'
    this.limit = limit
  }
}

/**
 * Parses a `text/event-stream` body as the WHATWG specification reads it:
 * lines end in `\n`, `\r\n` or `\r` (also when the pair is split across
 * chunks), multi-byte UTF-8 characters may be split across chunks, `:` lines
 * are comments, several `data:` lines join with `\n`, and an event is
 * dispatched at a blank line. An incomplete event at the end of the body is
 * discarded, as the specification says, so a cut stream is never mistaken for
 * a complete one. Lines and events are bounded.
 */
export async function* parseServerSentEvents(
  chunks: AsyncIterable<Uint8Array>,
  limits: ServerSentEventLimits = {},
): AsyncGenerator<ServerSentEvent> {
  const parser = new ServerSentEventParser(limits)
  for await (const chunk of chunks) yield* parser.push(chunk)
  yield* parser.end()
}

/**
 * The same parser, fed by hand: `push` each body chunk and take the events it
 * completed, then `end`. Synchronous, so a reader that already loops over the
 * body (driveStream) adds no async step per event.
 */
export class ServerSentEventParser {
  private readonly maxLineLength: number
  private readonly decoder = new TextDecoder('utf-8')
  private readonly builder: EventBuilder
  private pending = ''
  private skipLineFeed = false

  constructor(limits: ServerSentEventLimits = {}) {
    this.maxLineLength = limits.maxLineLength ?? defaultMaxLineLength
    this.builder = new EventBuilder(limits.maxEventLength ?? defaultMaxEventLength)
  }

  /** The events that `chunk` completes; throws ServerSentEventTooLongError past a limit. */
  push(chunk: Uint8Array): ServerSentEvent[] {
    return this.read(this.decoder.decode(chunk, { stream: true }))
  }

  /** The body ended: the events completed by what the decoder still held. */
  end(): ServerSentEvent[] {
    return this.read(this.decoder.decode())
  }

  private read(text: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = []
    let start = 0
    if (this.skipLineFeed && text.length > 0) {
      if (text[0] === '\n') start = 1
      this.skipLineFeed = false
    }
    // Where the next `\r` is, found once rather than searched for from every line: most
    // streams have none, and searching again per line scanned the rest of the chunk each time.
    let carriageReturn = text.indexOf('\r', start)
    while (start < text.length) {
      if (carriageReturn !== -1 && carriageReturn < start) carriageReturn = text.indexOf('\r', start)
      const end = nextLineBreak(text, start, carriageReturn)
      if (end === -1) {
        this.pending += text.slice(start)
        if (this.pending.length > this.maxLineLength) throw new ServerSentEventTooLongError('line', this.maxLineLength)
        break
      }
      const line = this.pending + text.slice(start, end)
      this.pending = ''
      if (line.length > this.maxLineLength) throw new ServerSentEventTooLongError('line', this.maxLineLength)
      start = end + 1
      if (text[end] === '\r') {
        if (end + 1 === text.length) this.skipLineFeed = true
        else if (text[end + 1] === '\n') start += 1
      }
      const event = this.builder.accept(line)
      if (event !== undefined) events.push(event)
    }
    return events
  }
}

/** The next `\n` or `\r` from `start`, given the next `\r` (-1: none). */
function nextLineBreak(text: string, start: number, carriageReturn: number): number {
  const lineFeed = text.indexOf('\n', start)
  if (carriageReturn === -1) return lineFeed
  if (lineFeed === -1) return carriageReturn
  return Math.min(lineFeed, carriageReturn)
}

/** Collects the fields of one event until the blank line that dispatches it. */
class EventBuilder {
  private eventType = ''
  private dataLines: string[] = []
  private dataLength = 0
  private lastEventId: string | undefined

  constructor(private readonly maxEventLength: number) {}

  accept(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch()
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') {
      this.dataLength += value.length + 1
      if (this.dataLength > this.maxEventLength) throw new ServerSentEventTooLongError('event', this.maxEventLength)
      this.dataLines.push(value)
    } else if (field === 'event') {
      this.eventType = value
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastEventId = value
    }
    return undefined
  }

  private dispatch(): ServerSentEvent | undefined {
    const hasData = this.dataLines.length > 0
    const event: ServerSentEvent = { event: this.eventType || 'message', data: this.dataLines.join('\n') }
    if (this.lastEventId !== undefined) event.id = this.lastEventId
    this.eventType = ''
    this.dataLines = []
    this.dataLength = 0
    return hasData ? event : undefined
  }
}

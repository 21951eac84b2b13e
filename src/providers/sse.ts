import { TextDecoder } from 'node:util'
import { SwitchyardError } from '../errors/switchyard-error.js'

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
export class ServerSentEventTooLongError extends SwitchyardError {
  declare readonly code: 'server_sent_event_too_long'
  readonly limit: number
  constructor(what: 'line' | 'event', limit: number) {
    super({ code: 'server_sent_event_too_long', message: `an SSE ${what} exceeded the limit of ${limit} characters` })
    this.limit = limit
  }
}

/** Decodes whole chunks: no state between calls, so every parser shares it. */
const wholeChunkDecoder = new TextDecoder('utf-8', { ignoreBOM: true })

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
  readonly #maxLineLength: number
  /** Made at the first chunk that may end inside a character (most streams never need one). */
  #streamDecoder: TextDecoder | undefined
  #decoderIsEmpty = true
  /** Nothing decoded yet: a U+FEFF that starts the stream is a byte order mark, and dropped. */
  #atStart = true
  readonly #builder: EventBuilder
  #pending = ''
  #skipLineFeed = false

  constructor(limits: ServerSentEventLimits = {}) {
    this.#maxLineLength = limits.maxLineLength ?? defaultMaxLineLength
    this.#builder = new EventBuilder(limits.maxEventLength ?? defaultMaxEventLength)
  }

  /** The events that `chunk` completes; throws ServerSentEventTooLongError past a limit. */
  push(chunk: Uint8Array): ServerSentEvent[] {
    return this.#read(this.#decode(chunk))
  }

  /** The body ended: the events completed by what the decoder still held. */
  end(): ServerSentEvent[] {
    return this.#read(this.#withoutByteOrderMark(this.#streamDecoder?.decode() ?? ''))
  }

  /**
   * Decodes in stream mode only when a character may straddle a chunk edge. Node 20 takes
   * its fast UTF-8 path only for a decoder that never streamed: a streamed decode cost
   * about three times as much, and a new decoder's first one 5 µs. A chunk that ends in
   * an ASCII byte, read after one that did, has no character cut at either edge, so the
   * shared whole-chunk decoder reads it with the same result. SSE chunks nearly always
   * end in a line break, so most streams never stream-decode at all.
   */
  #decode(chunk: Uint8Array): string {
    if (chunk.length === 0) return ''
    const endsWithAscii = chunk[chunk.length - 1]! < 0x80
    const text =
      this.#decoderIsEmpty && endsWithAscii
        ? wholeChunkDecoder.decode(chunk)
        : (this.#streamDecoder ??= new TextDecoder('utf-8', { ignoreBOM: true })).decode(chunk, { stream: true })
    this.#decoderIsEmpty = endsWithAscii
    return this.#withoutByteOrderMark(text)
  }

  /** The decoders keep U+FEFF; the specification drops one at the start of the stream only. */
  #withoutByteOrderMark(text: string): string {
    if (!this.#atStart || text.length === 0) return text
    this.#atStart = false
    return text.charCodeAt(0) === byteOrderMark ? text.slice(1) : text
  }

  #read(text: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = []
    let start = 0
    if (this.#skipLineFeed && text.length > 0) {
      if (text.charCodeAt(0) === lineFeed) start = 1
      this.#skipLineFeed = false
    }
    // Where the next `\r` is, found once rather than searched for from every line: most
    // streams have none, and searching again per line scanned the rest of the chunk each time.
    let nextCarriageReturn = text.indexOf('\r', start)
    while (start < text.length) {
      if (nextCarriageReturn !== -1 && nextCarriageReturn < start) nextCarriageReturn = text.indexOf('\r', start)
      const end = nextLineBreak(text, start, nextCarriageReturn)
      if (end === -1) {
        this.#pending += text.slice(start)
        if (this.#pending.length > this.#maxLineLength) throw new ServerSentEventTooLongError('line', this.#maxLineLength)
        break
      }
      const event =
        this.#pending === '' ? this.#acceptLine(text, start, end) : this.#acceptPendingLine(text.slice(start, end))
      if (event !== undefined) events.push(event)
      start = end + 1
      if (text.charCodeAt(end) === carriageReturn) {
        if (start === text.length) this.#skipLineFeed = true
        else if (text.charCodeAt(start) === lineFeed) start += 1
      }
    }
    return events
  }

  /** The line `text[start, end)`, read in place: most lines lie whole in one chunk. */
  #acceptLine(text: string, start: number, end: number): ServerSentEvent | undefined {
    if (end - start > this.#maxLineLength) throw new ServerSentEventTooLongError('line', this.#maxLineLength)
    return this.#builder.accept(text, start, end)
  }

  /** The end of a line that began in an earlier chunk. */
  #acceptPendingLine(rest: string): ServerSentEvent | undefined {
    const line = this.#pending + rest
    this.#pending = ''
    if (line.length > this.#maxLineLength) throw new ServerSentEventTooLongError('line', this.#maxLineLength)
    return this.#builder.accept(line, 0, line.length)
  }
}

const lineFeed = 0x0a
const byteOrderMark = 0xfeff
const carriageReturn = 0x0d
const space = 0x20
const colon = 0x3a

/** The next `\n` or `\r` from `start`, given the next `\r` (-1: none). */
function nextLineBreak(text: string, start: number, nextCarriageReturn: number): number {
  const nextLineFeed = text.indexOf('\n', start)
  if (nextCarriageReturn === -1) return nextLineFeed
  if (nextLineFeed === -1) return nextCarriageReturn
  return Math.min(nextLineFeed, nextCarriageReturn)
}

/**
 * Collects the fields of one event until the blank line that dispatches it. A line is
 * read where it lies in the chunk: the field name is compared in place and the value
 * is the only slice, and one data line (the usual event) is kept as is, never joined.
 */
class EventBuilder {
  #eventType = ''
  #data: string | undefined
  #dataLength = 0
  #lastEventId: string | undefined

  readonly #maxEventLength: number

  constructor(maxEventLength: number) {
    this.#maxEventLength = maxEventLength
  }

  /** Reads the line `text[start, end)`; returns the event it dispatches, if any. */
  accept(text: string, start: number, end: number): ServerSentEvent | undefined {
    if (start === end) return this.#dispatch()
    let fieldEnd = start
    while (fieldEnd < end && text.charCodeAt(fieldEnd) !== colon) fieldEnd++
    const fieldLength = fieldEnd - start
    if (fieldLength === 0) return undefined // a comment
    // Past `end` when the line has no colon: the value is then empty.
    let valueStart = fieldEnd + 1
    if (valueStart < end && text.charCodeAt(valueStart) === space) valueStart++
    const value = text.slice(valueStart, end)
    if (fieldLength === 4 && text.startsWith('data', start)) {
      // Counted as the spec's data buffer grows: the value and a line feed.
      this.#dataLength += value.length + 1
      if (this.#dataLength > this.#maxEventLength) throw new ServerSentEventTooLongError('event', this.#maxEventLength)
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`
    } else if (fieldLength === 5 && text.startsWith('event', start)) {
      this.#eventType = value
    } else if (fieldLength === 2 && text.startsWith('id', start) && !value.includes('\0')) {
      this.#lastEventId = value
    }
    return undefined
  }

  #dispatch(): ServerSentEvent | undefined {
    const data = this.#data
    const eventType = this.#eventType
    this.#eventType = ''
    this.#data = undefined
    this.#dataLength = 0
    if (data === undefined) return undefined
    const event: ServerSentEvent = { event: eventType || 'message', data }
    if (this.#lastEventId !== undefined) event.id = this.#lastEventId
    return event
  }
}

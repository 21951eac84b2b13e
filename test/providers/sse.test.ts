import { describe, expect, it } from 'vitest'
import { parseServerSentEvents, ServerSentEventTooLongError, type ServerSentEvent } from '../../src/providers/sse.js'

async function* bytes(...chunks: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder()
  for (const chunk of chunks) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk
}

async function parse(chunks: AsyncIterable<Uint8Array>, limits = {}): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = []
  for await (const event of parseServerSentEvents(chunks, limits)) events.push(event)
  return events
}

/** Every split of a byte string into single bytes. */
function byteByByte(text: string): Uint8Array[] {
  return [...new TextEncoder().encode(text)].map((byte) => Uint8Array.of(byte))
}

describe('parseServerSentEvents', () => {
  it('dispatches an event at a blank line with its event name and data', async () => {
    const events = await parse(bytes('event: ping\ndata: {"type":"ping"}\n\ndata: second\n\n'))
    expect(events).toEqual([
      { event: 'ping', data: '{"type":"ping"}' },
      { event: 'message', data: 'second' },
    ])
  })

  it('treats \\r\\n, \\n and a lone \\r as line ends, also when \\r\\n is split across chunks', async () => {
    const events = await parse(bytes('data: a\r', '\n\r', '\ndata: b\rdata: c\r\r', '\n', 'data: d\n\n'))
    expect(events).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b\nc' },
      { event: 'message', data: 'd' },
    ])
  })

  it('reads one large chunk of many LF events with CR line ends only near its end', async () => {
    const lineFeedEvents = Array.from({ length: 2_000 }, (_, index) => `data: ${index}\n\n`).join('')
    const events = await parse(bytes(`${lineFeedEvents}data: crlf\r\n\r\ndata: lone\r\rdata: last\n\n`))
    expect(events).toHaveLength(2_003)
    expect(events[1_999]).toEqual({ event: 'message', data: '1999' })
    expect(events.slice(2_000).map((event) => event.data)).toEqual(['crlf', 'lone', 'last'])
  })

  it('joins multi-line data with \\n and ignores comments, unknown fields and retry', async () => {
    const events = await parse(bytes(': keep-alive\ndata: line one\nretry: 3000\nfoo: bar\ndata:line two\nid: 7\n\n'))
    expect(events).toEqual([{ event: 'message', data: 'line one\nline two', id: '7' }])
  })

  it('reassembles multi-byte UTF-8 characters split across chunks', async () => {
    const text = 'data: Café ☕ 日本語 👍🏽\n\n'
    const events = await parse(bytes(...byteByByte(text)))
    expect(events).toEqual([{ event: 'message', data: 'Café ☕ 日本語 👍🏽' }])
  })

  it('discards an event that the body ends before dispatching', async () => {
    const events = await parse(bytes('data: complete\n\ndata: {"partial":'))
    expect(events).toEqual([{ event: 'message', data: 'complete' }])
  })

  it('does not dispatch events without data', async () => {
    expect(await parse(bytes('event: empty\n\n\n\n'))).toEqual([])
  })

  it('fails on a line over the limit instead of buffering it', async () => {
    const chunks = bytes('data: ', 'x'.repeat(40), 'x'.repeat(40), '\n\n')
    await expect(parse(chunks, { maxLineLength: 64 })).rejects.toBeInstanceOf(ServerSentEventTooLongError)
  })

  it('fails on an event whose data lines add up to more than the limit', async () => {
    const chunks = bytes('data: 0123456789\n'.repeat(10), '\n')
    await expect(parse(chunks, { maxEventLength: 50 })).rejects.toBeInstanceOf(ServerSentEventTooLongError)
  })
})

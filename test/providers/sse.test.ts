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

/** The bytes of `parts`: strings as UTF-8, numbers as raw (possibly invalid) bytes. */
function utf8(...parts: (string | number[])[]): Uint8Array {
  const encoder = new TextEncoder()
  return Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...encoder.encode(part)] : part)))
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

  it('keeps a lone data line, also an empty one, and joins several with \\n', async () => {
    const events = await parse(bytes('data:\n\ndata: a\ndata:\ndata: c\n\ndata: x\ndata: y\n\n'))
    expect(events.map((event) => event.data)).toEqual(['', 'a\n\nc', 'x\ny'])
  })

  it('reads a field line without a colon as the field with an empty value', async () => {
    const events = await parse(bytes('id: 3\nevent: named\nevent\nid\ndata\n\ndata\ndata\n\n'))
    expect(events).toEqual([
      { event: 'message', data: '', id: '' },
      { event: 'message', data: '\n', id: '' },
    ])
  })

  it('ignores fields whose names only share a prefix with data, event or id', async () => {
    const events = await parse(
      bytes('dat: a\ndatax: b\nDATA: c\ndata : d\nevents: e\neven: f\nids: 1\ni: 2\nidx: 3\ndata: kept\n\n'),
    )
    expect(events).toEqual([{ event: 'message', data: 'kept' }])
  })

  it('strips one space after the colon and keeps later colons in the value', async () => {
    const events = await parse(bytes('event:  spaced\ndata:  two spaces\ndata:a:b: c\n\n'))
    expect(events).toEqual([{ event: ' spaced', data: ' two spaces\na:b: c' }])
  })

  it('treats an empty event field as message and does not carry the type to the next event', async () => {
    const events = await parse(bytes('event:\ndata: 1\n\nevent: custom\ndata: 2\n\ndata: 3\n\n'))
    expect(events.map((event) => event.event)).toEqual(['message', 'custom', 'message'])
  })

  it('keeps the last event id across events and ignores an id containing NUL', async () => {
    const events = await parse(bytes('id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\ndata: c\n\n'))
    expect(events).toEqual([
      { event: 'message', data: 'a', id: '1' },
      { event: 'message', data: 'b', id: '1' },
      { event: 'message', data: 'c', id: '1' },
    ])
  })

  it('reads field names and values split across chunks', async () => {
    const events = await parse(bytes('ev', 'ent: pi', 'ng\nda', 't', 'a', ': x', '\n', 'id', ': 9\n', '\n'))
    expect(events).toEqual([{ event: 'ping', data: 'x', id: '9' }])
  })

  it('strips a byte order mark only at the start of the stream, also when split', async () => {
    const body = '\uFEFFdata: a\n\n'
    expect(await parse(bytes(body))).toEqual([{ event: 'message', data: 'a' }])
    expect(await parse(bytes(...byteByByte(body)))).toEqual([{ event: 'message', data: 'a' }])
    // Later, U+FEFF is content: a line starting with it names an unknown field.
    const later = await parse(bytes('data: a\n\n', '\uFEFFdata: b\n\ndata: c\uFEFF\n\n'))
    expect(later.map((event) => event.data)).toEqual(['a', 'c\uFEFF'])
  })

  it('decodes the same characters, including invalid bytes, wherever the chunks are cut', async () => {
    const firstEvent = ['data: € ', [0xff], ' 👍\r\ndata: ', [0xe2, 0x82], 'x é\n\n']
    const body = utf8(...firstEvent, 'id: 日\r\rdata: ', [0xf0, 0x9f], '\n\n')
    const expected = [
      { event: 'message', data: '€ \uFFFD 👍\n\uFFFDx é' },
      { event: 'message', data: '\uFFFD', id: '日' },
    ]
    expect(await parse(bytes(body))).toEqual(expected)
    for (let first = 1; first < body.length; first++) {
      for (let second = first; second < body.length; second++) {
        const chunks = [body.subarray(0, first), body.subarray(first, second), body.subarray(second)]
        expect(await parse(bytes(...chunks)), `cut at ${first} and ${second}`).toEqual(expected)
      }
    }
  })

  it('accepts a line exactly at the line limit, read whole or across chunks', async () => {
    const line = 'data: 0123456789' // 16 characters
    expect(await parse(bytes(`${line}\n\n`), { maxLineLength: 16 })).toHaveLength(1)
    expect(await parse(bytes('data: 01234', '56789\n\n'), { maxLineLength: 16 })).toHaveLength(1)
    await expect(parse(bytes(`${line}\n\n`), { maxLineLength: 15 })).rejects.toBeInstanceOf(ServerSentEventTooLongError)
    await expect(parse(bytes('data: 01234', '56789\n\n'), { maxLineLength: 15 })).rejects.toBeInstanceOf(
      ServerSentEventTooLongError,
    )
  })

  it('counts each data line as its value and a line feed against the event limit', async () => {
    // 5 + 1 and 4 + 1: 11 characters, as the spec's data buffer holds them before the last \n is removed.
    const body = 'data: 01234\ndata: 5678\n\n'
    expect(await parse(bytes(body), { maxEventLength: 11 })).toEqual([{ event: 'message', data: '01234\n5678' }])
    await expect(parse(bytes(body), { maxEventLength: 10 })).rejects.toBeInstanceOf(ServerSentEventTooLongError)
    // The count starts again at each event.
    expect(await parse(bytes(body, body), { maxEventLength: 11 })).toHaveLength(2)
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

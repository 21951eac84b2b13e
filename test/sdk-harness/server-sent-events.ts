/** The `text/event-stream` body of a list of events: `data:` lines, with `event:` lines when named, and an optional last `data:` sentinel. */
export function serverSentEvents(events: { event?: string; data: unknown }[], done?: string): string {
  const blocks = events.map(({ event, data }) => `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`)
  if (done !== undefined) blocks.push(`data: ${done}\n\n`)
  return blocks.join('')
}

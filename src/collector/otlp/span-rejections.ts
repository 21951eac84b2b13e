const maxMessages = 10

/**
 * Counts the spans refused while decoding a request, and the parts of accepted spans left
 * out (an event with a bad time, attributes, events or links past their count limit), and
 * keeps one message per distinct problem (the first place it was seen), bounded so a
 * request of a million bad spans does not build a million messages. Problems are the
 * decoder's own words: never text from the request.
 */
export class SpanRejections {
  /** Spans refused whole. */
  count = 0
  /** Events, links and attributes dropped from spans that were kept. */
  dropped = 0
  readonly messages: string[] = []
  readonly #seen = new Set<string>()

  reject(path: string, problem: string): void {
    this.count++
    this.#note(path, problem)
  }

  drop(path: string, problem: string, count = 1): void {
    this.dropped += count
    this.#note(path, problem)
  }

  #note(path: string, problem: string): void {
    if (this.messages.length >= maxMessages || this.#seen.has(problem)) return
    this.#seen.add(problem)
    this.messages.push(`${path}: ${problem}`)
  }
}

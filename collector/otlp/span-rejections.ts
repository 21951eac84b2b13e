const maxMessages = 10

/**
 * Counts the spans refused while decoding a request and keeps one message per distinct
 * problem (the first place it was seen), bounded so a request of a million bad spans does
 * not build a million messages.
 */
export class SpanRejections {
  count = 0
  readonly messages: string[] = []
  private readonly seen = new Set<string>()

  reject(path: string, problem: string): void {
    this.count++
    if (this.messages.length >= maxMessages || this.seen.has(problem)) return
    this.seen.add(problem)
    this.messages.push(`${path}: ${problem}`)
  }
}

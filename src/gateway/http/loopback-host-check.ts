import { isLoopbackHostHeader } from '../../collector/is-loopback-host.js'

/** Distinct Host values remembered; a client sends the same one on every request, so a few suffice. */
const maxRemembered = 32

/**
 * Whether a request's Host header names a loopback host, remembered per value.
 * The check parses the header as a URL (a few µs), and a gateway without keys asks it
 * on every request with the same one or two values. The memory is bounded: past
 * `maxRemembered` distinct values (a client trying many), each is checked afresh and
 * not stored, so hostile input can neither grow it nor change an answer.
 */
export class LoopbackHostCheck {
  readonly #answers = new Map<string, boolean>()

  isLoopback(host: string): boolean {
    const known = this.#answers.get(host)
    if (known !== undefined) return known
    const answer = isLoopbackHostHeader(host)
    if (this.#answers.size < maxRemembered) this.#answers.set(host, answer)
    return answer
  }
}

import type { SeededRandom } from './seeded-random.js'
import type { SimulatedFault, SimulatedFaults } from './simulated-options.js'

/**
 * The fault of call number `call` (1-based): a scheduled one first; otherwise
 * one draw from the call's random state against the probabilities, in a fixed
 * order, so the same seed fails the same calls.
 */
export function pickFault(call: number, random: SeededRandom, faults: SimulatedFaults | undefined): SimulatedFault | undefined {
  const scheduled = faults?.schedule?.find((entry) => entry.call === call)
  if (scheduled !== undefined) return scheduled.fault
  const probability = faults?.probability
  if (probability === undefined) return undefined
  let draw = random.next()
  const candidates: [number | undefined, SimulatedFault][] = [
    [probability.serverError, { type: 'server_error', status: 500 }],
    [probability.rateLimit, { type: 'rate_limit', retryAfterMs: faults?.retryAfterMs ?? 1000 }],
    [probability.timeout, { type: 'timeout' }],
    [probability.streamCut, { type: 'stream_cut' }],
  ]
  for (const [chance, fault] of candidates) {
    if (chance === undefined || chance <= 0) continue
    if (draw < chance) return fault
    draw -= chance
  }
  return undefined
}

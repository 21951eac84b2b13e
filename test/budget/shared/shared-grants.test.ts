import { describe, expect, it } from 'vitest'
import { SharedGrants } from '../../../src/budget/shared/shared-grants.js'
import type { SharedReserveBudget } from '../../../src/budget/shared/shared-reserve-batch.js'

const budget = (name: string, roomUsd?: number): SharedReserveBudget =>
  ({ name, roomUnits: roomUsd === undefined ? undefined : BigInt(roomUsd * 1e9) * 1_000n, figureAtMs: 0 })

/** A process's headroom with `calls` calls of `nano` in flight at once, and Redis granting all it asks for. */
function loaded(options: { calls: number; nano: number; roomUsd?: number; share?: number }): { grants: SharedGrants; nowMs: number } {
  const grants = new SharedGrants({ minCallsPerSecond: 10, ...(options.share === undefined ? {} : { maxShareOfRoom: options.share }) })
  grants.track(['b'], 0)
  for (let index = 0; index < options.calls; index += 1) grants.admit(`c${index}`, options.nano, [budget('b', options.roomUsd)])
  const nowMs = 50
  for (const request of grants.requests(nowMs, 15_000)) grants.granted(request.budget, request.targetNano)
  return { grants, nowMs }
}

describe('the headroom a process asks Redis for (SharedGrants)', () => {
  it('asks for nothing while calls come slower than minCallsPerSecond', () => {
    const grants = new SharedGrants({ minCallsPerSecond: 100 })
    grants.track(['b'], 0)
    grants.admit('a', 1_000, [budget('b')])
    expect(grants.requests(1_000, 15_000)).toEqual([])
  })

  it('asks for twice the peak of what its calls held, capped by its share of the room', () => {
    const { grants } = loaded({ calls: 32, nano: 1_000 })
    expect(grants.grantedNano('b')).toBe(64_000)
    // Room of 1 USD (1e9 nano), 5%: 5e7 nano at most.
    const capped = loaded({ calls: 32, nano: 10_000_000, roomUsd: 1 })
    expect(capped.grants.grantedNano('b')).toBe(50_000_000)
  })

  it('admits a call from the grant only when every budget of it has room left, exactly', () => {
    const { grants } = loaded({ calls: 4, nano: 1_000 })
    // Granted 8,000; the 4 calls that made the peak were checked one by one and still count as in flight.
    expect(grants.grantedNano('b')).toBe(8_000)
    for (let index = 0; index < 8; index += 1) expect(grants.admit(`g${index}`, 1_000, [budget('b')])).toBe(true)
    expect(grants.admit('over', 1, [budget('b')])).toBe(false)
    expect(grants.admit('other', 1, [budget('b'), budget('never-granted')])).toBe(false)
  })

  it('frees a released call at once; a finished one once its cost is handed over, when the cost leaves the grant', () => {
    const { grants } = loaded({ calls: 1, nano: 1_000 })
    expect(grants.grantedNano('b')).toBe(2_000)
    expect(grants.admit('x', 1_000, [budget('b')])).toBe(true)
    expect(grants.admit('y', 1_000, [budget('b')])).toBe(true)
    expect(grants.admit('z', 1_000, [budget('b')])).toBe(false)
    expect(grants.leave('x', 'b', false)).toBe(0)
    expect(grants.admit('z2', 1_000, [budget('b')])).toBe(true)
    // y finishes costing 400: the grant holds its worst case until a sync carried its cost...
    expect(grants.leave('y', 'b', true)).toBe(1_000)
    expect(grants.admit('w', 1_000, [budget('b')])).toBe(false)
    // ...and then the 400 are spent: the grant is 1,600, of which z2 uses 1,000.
    grants.handedOver('b', { worstNano: 1_000, costNano: 400 })
    expect(grants.grantedNano('b')).toBe(1_600)
    expect(grants.admit('w2', 600, [budget('b')])).toBe(true)
    expect(grants.admit('w3', 1, [budget('b')])).toBe(false)
  })

  it('shrinks at once when it asks for less, never below what its calls use', () => {
    const { grants, nowMs } = loaded({ calls: 32, nano: 1_000 })
    for (let index = 0; index < 10; index += 1) grants.admit(`g${index}`, 1_000, [budget('b')])
    // The calls stop: two windows later the rate is 0 and the grant goes back to what is used.
    const later = nowMs + 1_000
    grants.requests(later, 15_000)
    const [request] = grants.requests(later + 500, 15_000)
    expect(request).toMatchObject({ targetNano: 0, floorNano: 10_000 })
    expect(grants.grantedNano('b')).toBe(10_000)
    expect(grants.admit('more', 1_000, [budget('b')])).toBe(false)
  })

  it('asks again for a shrink Redis never answered', () => {
    const { grants, nowMs } = loaded({ calls: 32, nano: 1_000 })
    const later = nowMs + 1_000
    grants.requests(later, 15_000)
    // The shrink to 0 is asked for and fails: no answer reaches granted().
    expect(grants.requests(later + 500, 15_000)).toEqual([expect.objectContaining({ targetNano: 0 })])
    expect(grants.requests(later + 510, 15_000)).toEqual([expect.objectContaining({ targetNano: 0 })])
    grants.granted('b', 0)
    expect(grants.requests(later + 520, 15_000)).toEqual([])
  })

  it('renews a grant it holds when the lease is due, and gives all of it back on close', () => {
    const { grants, nowMs } = loaded({ calls: 32, nano: 1_000 })
    expect(grants.requests(nowMs + 10, 15_000)).toEqual([])
    expect(grants.requests(nowMs + 15_000, 15_000)).toHaveLength(1)
    grants.close()
    expect(grants.requests(nowMs + 15_001, 15_000)).toEqual([expect.objectContaining({ targetNano: 0, floorNano: 0 })])
    expect(grants.admit('after-close', 1, [budget('b')])).toBe(false)
  })

  it('holds no more than its calls use after Redis may have lost the grant', () => {
    const { grants } = loaded({ calls: 32, nano: 1_000 })
    grants.admit('g', 1_000, [budget('b')])
    grants.reset()
    expect(grants.grantedNano('b')).toBe(1_000)
    expect(grants.admit('h', 1, [budget('b')])).toBe(false)
  })

  it('says when a grant is three quarters used', () => {
    const { grants } = loaded({ calls: 2, nano: 1_000 })
    expect(grants.grantedNano('b')).toBe(4_000)
    for (let index = 0; index < 3; index += 1) grants.admit(`g${index}`, 1_000, [budget('b')])
    expect(grants.low([budget('b')])).toBe(false)
    grants.admit('g3', 1, [budget('b')])
    expect(grants.low([budget('b')])).toBe(true)
  })
})

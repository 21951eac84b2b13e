import { describe, expect, it } from 'vitest'
import { SharedProcessEntries } from '../../../src/budget/shared/shared-process-entries.js'

/** The script arguments of one budget's part of a sync, read back: upserts, deletes, seen marks. */
function read(args: readonly string[]): { upserts: Array<[string, string, number]>; deletes: string[]; seen: Array<[string, number]> } {
  let at = 1
  const upserts: Array<[string, string, number]> = []
  for (let count = Number(args[at++]); count > 0; count -= 1, at += 3) upserts.push([args[at]!, args[at + 1]!, Number(args[at + 2])])
  const deletes: string[] = []
  for (let count = Number(args[at++]); count > 0; count -= 1) deletes.push(args[at++]!)
  const seen: Array<[string, number]> = []
  for (let count = Number(args[at++]); count > 0; count -= 1, at += 2) seen.push([args[at]!, Number(args[at + 1])])
  return { upserts, deletes, seen }
}

function entries(): SharedProcessEntries {
  const process = new SharedProcessEntries({ token: 't', maxEntries: 1_000 })
  process.track(['b'])
  return process
}

const sync = (process: SharedProcessEntries, full = false, grantNano = 0) =>
  process.sync({ full, figureAtMs: () => 0, keysOf: (budget) => [`${budget}:entries`, `${budget}:leases`, `${budget}:seen`, `${budget}:totals`], grantNano: () => grantNano })

describe('the entries one process keeps in Redis (SharedProcessEntries)', () => {
  it('hands many finished calls over as one sum, and deletes each checked reservation', () => {
    const process = entries()
    for (let index = 0; index < 10; index += 1) {
      process.check('b', `t:${index}`, 1_000, false)
      process.answered('b', `t:${index}`, true)
    }
    for (let index = 0; index < 10; index += 1) process.finish('b', `t:${index}`, 300, 0)
    const { upserts, deletes } = read(sync(process).args)
    expect(upserts).toEqual([['t:u', 'u', 3_000]])
    expect(deletes).toHaveLength(10)
    expect(process.ownNano('b')).toBe(3_000)
  })

  it('moves what a scan saw from the sum to one seen entry per scan, in the same sync', () => {
    const process = entries()
    for (const id of ['t:1', 't:2', 't:3']) process.finish('b', id, 500, 700)
    const first = sync(process, false, 10_000)
    // The costs of the three calls from the headroom go from the grant to the sum, in one script.
    expect(read(first.args).upserts).toEqual([['t:u', 'u', 1_500], ['t:grant', 'r', 8_500]])
    expect(first.sent()).toEqual(new Map([['b', { worstNano: 2_100, costNano: 1_500, grantNano: 8_500 }]]))
    process.seen('b', 't:1', 40_000)
    process.seen('b', 't:2', 40_000)
    const { upserts, seen } = read(sync(process).args)
    expect(upserts).toEqual([['t:u', 'u', 500], ['t:s1', 'u', 1_000]])
    expect(seen).toEqual([['t:s1', 40_000]])
  })

  it('deletes the sum once nothing waits, and sends nothing for a budget without changes', () => {
    const process = entries()
    process.finish('b', 't:1', 500, 500)
    // A grant of 500 is all spent by the call: it goes.
    expect(read(sync(process, false, 500).args).deletes).toEqual(['t:grant'])
    process.leave('b', 't:1')
    expect(read(sync(process).args).deletes).toEqual(['t:u'])
    expect(read(sync(process).args)).toEqual({ upserts: [], deletes: [], seen: [] })
  })

  it('puts back everything a failed sync carried', () => {
    const process = entries()
    process.check('b', 't:1', 1_000, true)
    process.finish('b', 't:2', 200, 900)
    process.seen('b', 't:2', 5_000)
    const failed = sync(process, false, 5_000)
    failed.failed()
    const again = sync(process, false, 5_000)
    const { upserts, seen } = read(again.args)
    expect(upserts).toEqual(expect.arrayContaining([['t:1', 'r', 1_000], ['t:grant', 'r', 4_800]]))
    expect(seen.map(([, at]) => at)).toEqual([5_000])
    expect(again.sent()).toEqual(new Map([['b', { worstNano: 900, costNano: 200, grantNano: 4_800 }]]))
  })

  it('sends a seen sum again under the same id after a failed sync, with what the same scan saw since', () => {
    const process = entries()
    process.finish('b', 't:3', 300, 300)
    process.finish('b', 't:4', 400, 400)
    process.seen('b', 't:3', 7_000)
    const failed = sync(process)
    const [firstId] = read(failed.args).seen[0]!
    failed.failed()
    process.seen('b', 't:4', 7_000)
    const { upserts, seen } = read(sync(process).args)
    expect(seen).toEqual([[firstId, 7_000]])
    expect(upserts).toEqual(expect.arrayContaining([[firstId, 'u', 700]]))
  })

  it('carries at most 48 deletes per sync and says when more wait', () => {
    const process = entries()
    for (let index = 0; index < 100; index += 1) process.check('b', `t:${index}`, 10, true)
    sync(process, true).sent()
    for (let index = 0; index < 100; index += 1) process.leave('b', `t:${index}`)
    const first = sync(process)
    expect(read(first.args).deletes).toHaveLength(48)
    expect(first.more).toBe(true)
    sync(process)
    const last = sync(process)
    expect(read(last.args).deletes).toHaveLength(4)
    expect(last.more).toBe(false)
  })

  it('takes a call whose check was still on the way out of Redis when it is answered', () => {
    const process = entries()
    process.check('b', 't:1', 1_000, false)
    process.leave('b', 't:1')
    // Not admitted yet: nothing to delete, nothing to upsert.
    expect(read(sync(process).args)).toEqual({ upserts: [], deletes: [], seen: [] })
    process.answered('b', 't:1', true)
    expect(read(sync(process).args).deletes).toEqual(['t:1'])
  })

  it('bounds what it holds, and counts what it could not', () => {
    const process = new SharedProcessEntries({ token: 't', maxEntries: 2 })
    process.track(['b'])
    expect(process.finish('b', 't:1', 1, 1)).toBe(true)
    expect(process.finish('b', 't:2', 1, 1)).toBe(true)
    expect(process.finish('b', 't:3', 1, 1)).toBe(false)
    expect(process.dropped).toBe(1)
  })
})

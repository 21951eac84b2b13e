import { expect, it } from 'vitest'
import { describeWithPart } from '../../helpers/external-parts.js'
import { useSharedStores } from './shared-store-harness.js'

describeWithPart('redis-server', 'the shared store batches the reserves of one turn of the event loop', (part) => {
  const harness = useSharedStores(part)

  /** Script calls Redis ran while `work` ran (INFO commandstats). */
  async function scriptCallsDuring(work: () => Promise<unknown>): Promise<number> {
    const connection = await harness.admin().connect()
    await connection.sendCommand(['CONFIG', 'RESETSTAT'])
    await work()
    const info = await connection.sendCommand<string>(['INFO', 'commandstats'])
    return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0)
  }

  it('sends 32 calls made in one turn as one script call, each still admitted against the room the earlier ones left', async () => {
    const store = await harness.open({ keyPrefix: 'burst:' })
    // Room for 20 calls of 1,000 nano-USD.
    const budgets = [{ name: 'b', roomUnits: 20_000_000n, figureAtMs: 0 }]
    let answers: Array<{ admitted: boolean }> = []
    const calls = await scriptCallsDuring(async () => {
      answers = await Promise.all(Array.from({ length: 32 }, (_call, index) => store.reserve({ id: index + 1, units: 1_000_000n, budgets })))
    })
    expect(calls).toBe(1)
    expect(answers.map((answer) => answer.admitted)).toEqual([...Array.from({ length: 20 }, () => true), ...Array.from({ length: 12 }, () => false)])
  })
})

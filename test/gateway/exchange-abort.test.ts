import { describe, expect, it } from 'vitest'
import { ExchangeAbort } from '../../src/gateway/exchange-abort.js'

describe('ExchangeAbort', () => {
  it('aborts when the client leaves, not as a timeout', () => {
    const abort = new ExchangeAbort(60_000)
    abort.clientLeft()
    expect(abort.signal.aborted).toBe(true)
    expect(abort.timedOut).toBe(false)
    abort.dispose()
  })

  it('aborts as a timeout once the request\'s time is up', async () => {
    const abort = new ExchangeAbort(10)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(abort.signal.aborted).toBe(true)
    expect(abort.timedOut).toBe(true)
    expect((abort.signal.reason as Error).message).toContain('requestTimeoutMs')
    abort.dispose()
  })

  it('gives a clean signal of an ended exchange to the next one, and never an aborted or listened-to one', async () => {
    const clean = new ExchangeAbort(60_000)
    const listener = (): void => undefined
    clean.signal.addEventListener('abort', listener)
    clean.signal.removeEventListener('abort', listener)
    clean.dispose()
    const next = new ExchangeAbort(60_000)
    expect(next.signal).toBe(clean.signal)

    next.signal.addEventListener('abort', listener)
    next.dispose()
    const afterListened = new ExchangeAbort(60_000)
    expect(afterListened.signal).not.toBe(next.signal)

    afterListened.clientLeft()
    afterListened.dispose()
    const afterAborted = new ExchangeAbort(60_000)
    expect(afterAborted.signal).not.toBe(afterListened.signal)
    expect(afterAborted.signal.aborted).toBe(false)
    afterAborted.dispose()

    // A disposed exchange's timer is stopped: its signal does not abort later.
    const stopped = new ExchangeAbort(10)
    stopped.dispose()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(stopped.signal.aborted).toBe(false)
    expect(stopped.timedOut).toBe(false)
  })
})

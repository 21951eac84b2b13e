import { describe, expect, it } from 'vitest'
import { attemptSignal } from '../../src/router/attempt-signal.js'

const farDeadline = () => Date.now() + 60_000

describe('attemptSignal: the light abort of one attempt', () => {
  it('calls each listener once at a cancel, functions and handleEvent objects alike, and not a removed one', () => {
    const control = attemptSignal({ callerSignal: undefined, deadlineAt: farDeadline(), attemptMs: 60_000, now: Date.now })
    const calls: string[] = []
    const kept = (): void => { calls.push('function') }
    const removed = (): void => { calls.push('removed') }
    const object = { handleEvent: () => { calls.push('object') } }
    control.signal.addEventListener('abort', kept, { once: true })
    control.signal.addEventListener('abort', kept, { once: true })
    control.signal.addEventListener('abort', removed, { once: true })
    control.signal.addEventListener('abort', object)
    control.signal.removeEventListener('abort', removed)
    const reason = new Error('hedge lost')
    control.cancel(reason)
    control.cancel(new Error('again'))
    expect(calls).toEqual(['function', 'object'])
    expect(control.signal.aborted).toBe(true)
    expect(control.signal.reason).toBe(reason)
    expect(control.cause).toBe('cancelled')
    control.signal.addEventListener('abort', kept)
    expect(calls).toEqual(['function', 'object'])
    control.dispose()
  })

  it('aborts at the attempt timeout with a TimeoutError, as AbortSignal.timeout would', async () => {
    const control = attemptSignal({ callerSignal: undefined, deadlineAt: farDeadline(), attemptMs: 5, now: Date.now })
    const fired = new Promise<void>((resolve) => control.signal.addEventListener('abort', resolve))
    await fired
    expect(control.cause).toBe('attempt-timeout')
    expect(control.signal.reason).toBeInstanceOf(DOMException)
    expect((control.signal.reason as DOMException).name).toBe('TimeoutError')
  })

  it('says deadline when the request deadline comes before the attempt timeout', async () => {
    const control = attemptSignal({ callerSignal: undefined, deadlineAt: Date.now() + 5, attemptMs: 60_000, now: Date.now })
    await new Promise<void>((resolve) => control.signal.addEventListener('abort', resolve))
    expect(control.cause).toBe('deadline')
  })

  it("follows the caller's signal, already aborted or aborted later, and stops following it once disposed", () => {
    const early = new AbortController()
    early.abort(new Error('stop'))
    const before = attemptSignal({ callerSignal: early.signal, deadlineAt: farDeadline(), attemptMs: 60_000, now: Date.now })
    expect(before.signal.aborted).toBe(true)
    expect(before.cause).toBe('caller')
    expect((before.signal.reason as Error).message).toBe('stop')
    before.dispose()

    const caller = new AbortController()
    const later = attemptSignal({ callerSignal: caller.signal, deadlineAt: farDeadline(), attemptMs: 60_000, now: Date.now })
    const disposed = attemptSignal({ callerSignal: caller.signal, deadlineAt: farDeadline(), attemptMs: 60_000, now: Date.now })
    disposed.dispose()
    caller.abort()
    expect(later.cause).toBe('caller')
    expect((later.signal.reason as DOMException).name).toBe('AbortError')
    expect(disposed.signal.aborted).toBe(false)
    later.dispose()
  })

  it('reports a listener that throws, and still calls the others', async () => {
    const control = attemptSignal({ callerSignal: undefined, deadlineAt: farDeadline(), attemptMs: 60_000, now: Date.now })
    const reported = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve))
    let second = false
    control.signal.addEventListener('abort', () => { throw new Error('listener broke') })
    control.signal.addEventListener('abort', () => { second = true })
    control.cancel()
    expect(second).toBe(true)
    expect(((await reported) as Error).message).toBe('listener broke')
    control.dispose()
  })
})

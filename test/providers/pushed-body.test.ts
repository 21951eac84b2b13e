import type { Dispatcher } from 'undici'
import { describe, expect, it } from 'vitest'
import { PushedBody } from '../../src/providers/pushed-body.js'

/** The dispatch controller side of a PushedBody, recording what the body asked of the connection. */
class RecordingController implements Dispatcher.DispatchController {
  paused = false
  aborted = false
  reason: Error | null = null
  pauses = 0
  resumes = 0
  abort(reason: Error): void {
    this.aborted = true
    this.reason = reason
  }

  pause(): void {
    this.paused = true
    this.pauses += 1
  }

  resume(): void {
    this.paused = false
    this.resumes += 1
  }
}

const kib = (count: number): Uint8Array => new Uint8Array(count * 1024)

describe('PushedBody', () => {
  it('pauses the connection while more than 64 KiB is unread, and resumes as the reader catches up', async () => {
    const controller = new RecordingController()
    const body = new PushedBody(controller, () => undefined)
    for (let index = 0; index < 4; index++) body.push(kib(16))
    expect(controller.pauses).toBe(0)
    body.push(kib(16))
    expect(controller.paused).toBe(true)
    await body.next()
    expect(controller.paused).toBe(false)
    expect(controller.resumes).toBe(1)
  })

  it('hands a waiting reader the next chunk directly, then the end', async () => {
    let closed = 0
    const body = new PushedBody(new RecordingController(), () => { closed += 1 })
    const first = body.next()
    body.push(new Uint8Array([1, 2]))
    expect(await first).toEqual({ value: new Uint8Array([1, 2]), done: false })
    const second = body.next()
    body.end()
    expect(await second).toEqual({ value: undefined, done: true })
    expect(closed).toBe(1)
  })

  it('gives the chunks already received before the connection error', async () => {
    const body = new PushedBody(new RecordingController(), () => undefined)
    body.push(new Uint8Array([7]))
    body.fail(new Error('socket hang up'))
    expect(await body.next()).toEqual({ value: new Uint8Array([7]), done: false })
    await expect(body.next()).rejects.toThrow('socket hang up')
  })

  it('drops the unread chunks when the failure is the caller\'s abort', async () => {
    const body = new PushedBody(new RecordingController(), () => undefined)
    body.push(new Uint8Array([7]))
    body.fail(new Error('aborted'), { discardUnread: true })
    await expect(body.next()).rejects.toThrow('aborted')
  })

  it('aborts the request when the reader stops before the end, and not after it', async () => {
    const early = new RecordingController()
    const left = new PushedBody(early, () => undefined)
    left.push(new Uint8Array([1]))
    for await (const chunk of left) {
      expect(chunk).toEqual(new Uint8Array([1]))
      break
    }
    expect(early.aborted).toBe(true)

    const complete = new RecordingController()
    const read = new PushedBody(complete, () => undefined)
    read.end()
    read.destroy()
    expect(complete.aborted).toBe(false)
  })
})

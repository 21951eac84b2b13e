import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { afterEach, describe, expect, it } from 'vitest'
import { AfterAnswerQueue } from '../../src/router/after-answer-queue.js'

const warnings: string[] = []
const logger: DiagLogger = { error: () => {}, warn: (message: string) => warnings.push(message), info: () => {}, debug: () => {}, verbose: () => {} }

afterEach(() => {
  diag.disable()
  warnings.length = 0
})

describe('AfterAnswerQueue', () => {
  it('runs queued work later, in order, in one batch a few milliseconds on', async () => {
    const queue = new AfterAnswerQueue()
    const ran: number[] = []
    for (const subject of [1, 2, 3]) queue.add((value: number) => ran.push(value), subject)
    expect(ran).toEqual([])
    const deadline = Date.now() + 1_000
    while (ran.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1))
    expect(ran).toEqual([1, 2, 3])
  })

  it('runs a full batch at once (a burst does not pile up), and flush runs the rest now', () => {
    const queue = new AfterAnswerQueue()
    let ran = 0
    for (let index = 0; index < 63; index += 1) queue.add(() => (ran += 1), undefined)
    expect(ran).toBe(0)
    queue.add(() => (ran += 1), undefined)
    expect(ran).toBe(64)
    queue.add(() => (ran += 1), undefined)
    queue.flush()
    expect(ran).toBe(65)
  })

  it('logs a failing piece of work and still runs the others, throwing nothing', () => {
    diag.setLogger(logger, DiagLogLevel.WARN)
    const queue = new AfterAnswerQueue()
    const ran: string[] = []
    queue.add(() => {
      throw new Error('span exporter gone')
    }, undefined)
    queue.add((name: string) => ran.push(name), 'second')
    expect(() => queue.flush()).not.toThrow()
    expect(ran).toEqual(['second'])
    expect(warnings.some((warning) => warning.includes('span exporter gone'))).toBe(true)
  })
})

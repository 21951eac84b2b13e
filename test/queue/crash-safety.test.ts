import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'
import { makeTemporaryDirectory, removeDirectory } from './temporary-directory.js'

const CHILD = fileURLToPath(new URL('./crash-appender.ts', import.meta.url))
const RUN_BEFORE_KILL_MS = 300
const ROUNDS = 3

let dir: string

beforeAll(async () => {
  dir = await makeTemporaryDirectory()
})

afterAll(async () => {
  await removeDirectory(dir)
})

/** Starts the appender, SIGKILLs it RUN_BEFORE_KILL_MS after it is ready, and returns the numbers it acknowledged. */
async function runAppenderAndKill(): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const ready = stdout.length === 0 && chunk.toString().startsWith('ready\n')
      stdout += chunk.toString()
      if (ready) setTimeout(() => resolve(), RUN_BEFORE_KILL_MS)
    })
    void exited.then(() => reject(new Error(`appender exited before it was killed: ${stderr}`)))
  })
  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')
  // A line without its newline was cut by the kill and was never fully reported.
  const lines = stdout.split('\n').slice(1, -1)
  return lines.map(Number)
}

describe('SegmentQueue after kill -9', () => {
  it.each(Array.from({ length: ROUNDS }, (_, round) => round))(
    'keeps every acknowledged record exactly once and in order (round %i)',
    async () => {
      const acknowledged = await runAppenderAndKill()
      expect(acknowledged.length).toBeGreaterThan(0)

      const queue = await SegmentQueue.open({ dir })
      const segments = queue.sealed()
      expect(queue.stats().recoveredSegments).toBe(segments.length)
      const recovered: number[] = []
      for (const segment of segments) {
        const text = (await segment.read()).toString()
        for (const line of text.split('\n').slice(0, -1)) {
          const match = /^(\d+) (x*)$/.exec(line)
          expect(match, `corrupt line ${JSON.stringify(line)} in ${segment.file}`).not.toBeNull()
          const number = Number(match?.[1])
          expect(match?.[2]?.length).toBe(number % 97)
          recovered.push(number)
        }
        expect(segment.rows).toBe(text.split('\n').length - 1)
      }
      // Appends are written in call order, so what survives is exactly 0..n-1.
      expect(recovered).toEqual(recovered.map((_, index) => index))
      expect(Math.max(...acknowledged)).toBeLessThan(recovered.length)

      for (const segment of segments) await queue.ack(segment.seq)
      await queue.close()
    },
  )
})

import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { encodeRowsJsonCompact } from '../../src/collector/otlp/encode-rows.js'
import { newSpanRow } from '../../src/collector/otlp/new-span-row.js'
import type { SpanRow } from '../../src/collector/otlp/span-row.js'
import { DEAD_LETTER_FILE_NAME } from '../../src/collector/dead-letter-file.js'
import { SegmentQueue } from '../../src/collector/queue/segment-queue.js'

/** Text that must never leave the store's rows: not in a log line, not in /healthz. */
export const ROW_MARKER = 'PROMPT-MARKER-5b1e9c'

/** A model-call span row as the decoders would queue it; `overrides` can make it one the store refuses. */
export function spanRow(options: { workflow: string; startSeconds?: number; overrides?: Partial<SpanRow> }): SpanRow {
  return {
    ...newSpanRow({ 'service.name': 'agent-service' }),
    Timestamp: `${options.startSeconds ?? Math.floor(Date.now() / 1000)}.123456789`,
    TraceId: randomBytes(16).toString('hex'),
    SpanId: randomBytes(8).toString('hex'),
    SpanName: 'chat gpt-4.1-mini',
    SpanKind: 'Client',
    ServiceName: 'agent-service',
    ScopeName: 'test-scope',
    ScopeVersion: '1.2.3',
    SpanAttributes: { 'gen_ai.workflow.name': options.workflow, 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4.1-mini' },
    Duration: '1500000',
    StatusCode: 'Ok',
    ...options.overrides,
  }
}

/** One queued row: a span row, or raw text for a line no encoder would write. */
export type QueuedRow = SpanRow | { raw: string }

/** The bytes of rows as the collector queues them: one JSONCompactEachRow line each. */
export function queuedLines(rows: readonly QueuedRow[]): Buffer[] {
  return rows.map((row) => ('raw' in row ? Buffer.from(`${row.raw}\n`) : encodeRowsJsonCompact([row])))
}

/**
 * Puts rows into the collector's queue directory as one sealed batch, the way a
 * previous run would have left it, past the decoders. Returns the batch's token
 * and its file.
 */
export async function queuePoisonedBatch(queueDirectory: string, rows: readonly QueuedRow[]): Promise<{ token: string; file: string }> {
  const queue = await SegmentQueue.open({ dir: queueDirectory })
  try {
    await queue.append(Buffer.concat(queuedLines(rows)), rows.length)
    const sealed = await queue.sealOpen()
    if (sealed === undefined) throw new Error('sealOpen sealed nothing')
    return { token: sealed.token, file: sealed.file }
  } finally {
    await queue.close()
  }
}

export interface DeadLetterLine {
  batch: string
  index: number
  time: string
  errorCode: number | null
  errorName: string
  row?: string
}

/** The dead-letter file of a queue directory, parsed; [] when there is none. */
export async function readDeadLetters(queueDirectory: string): Promise<DeadLetterLine[]> {
  let text: string
  try {
    text = await readFile(path.join(queueDirectory, DEAD_LETTER_FILE_NAME), 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return []
    throw error
  }
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as DeadLetterLine)
}

/**
 * Polls until `condition` holds; fails with `what` after `timeoutMs` (a bound, not a
 * measurement). `pause` is the wait between polls (20 ms unless given).
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  pause: () => Promise<unknown> = () => new Promise((resolve) => setTimeout(resolve, 20)),
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting ${timeoutMs} ms for ${what}`)
    await pause()
  }
}

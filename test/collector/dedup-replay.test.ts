import type { ChildProcess } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import type { Store } from '../../src/store/create-store.js'
import { makeModelCallSpans, serializeSpans } from '../helpers/sdk-spans.js'
import { postTraces, startTestCollector } from '../helpers/start-test-collector.js'
import { spawnCollector as spawnCollectorProcess } from '../helpers/spawn-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

// One store for the whole file (one process owns an embedded store at a time: each
// scenario closes its collector before the next opens it); a queue per scenario.
const directory = makeTempDirectory('dedup-replay')
const storeDirectory = path.join(directory.path, 'store')
const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  directory.remove()
})

const protobuf = { 'content-type': 'application/x-protobuf' }

/** Bodies of model-call spans (each span with a cost, so llm_calls and the rollups see it), fresh ids each. */
function requestBodies(workflow: string, requests: number, spansPerRequest: number): Buffer[] {
  return Array.from({ length: requests }, () => serializeSpans(makeModelCallSpans(spansPerRequest, { workflow }), 'protobuf'))
}

function startInProcess(queue: string, options: { dedupWindowMs?: number } = {}): Promise<Collector> {
  return startTestCollector(directory.path, { store: `chdb://${storeDirectory}`, queueDirectory: path.join(directory.path, queue), ...options })
}

async function rows<T>(store: Store, query: string, workflow: string): Promise<T> {
  const result = await store.client.query({ query, query_params: { workflow }, format: 'JSONEachRow' })
  const [row] = await result.json<T>()
  return row!
}

/**
 * What the store holds for a workflow: spans and distinct spans in otel_traces and
 * llm_calls, the cost of llm_calls summed over all rows and over one row per span,
 * and the cost and calls of the minute and hour rollups (summed: SummingMergeTree
 * merges lazily).
 */
async function spendOf(store: Store, workflow: string): Promise<Record<string, string>> {
  const traces = await rows<{ spans: string; unique: string }>(store,
    "SELECT toString(count()) AS spans, toString(uniqExact(SpanId)) AS unique FROM otel_traces WHERE SpanAttributes['gen_ai.workflow.name'] = {workflow:String}", workflow)
  const calls = await rows<{ calls: string; unique: string; cost: string }>(store,
    'SELECT toString(count()) AS calls, toString(uniqExact(SpanId)) AS unique, toString(sum(CostUsd)) AS cost FROM llm_calls WHERE Workflow = {workflow:String}', workflow)
  const uniqueCost = await rows<{ cost: string }>(store,
    'SELECT toString(sum(CostUsd)) AS cost FROM (SELECT any(CostUsd) AS CostUsd FROM llm_calls WHERE Workflow = {workflow:String} GROUP BY SpanId)', workflow)
  const rollup = (table: string) => rows<{ cost: string; calls: string }>(store,
    `SELECT toString(sum(CostUsd)) AS cost, toString(sum(Calls)) AS calls FROM ${table} WHERE Workflow = {workflow:String} GROUP BY Workflow`, workflow)
  const minute = await rollup('llm_spend_minute')
  const hour = await rollup('llm_spend_hour')
  return {
    spans: traces.spans,
    uniqueSpans: traces.unique,
    calls: calls.calls,
    uniqueCalls: calls.unique,
    callsCost: calls.cost,
    uniqueCallsCost: uniqueCost.cost,
    minuteCost: minute.cost,
    minuteCalls: minute.calls,
    hourCost: hour.cost,
    hourCalls: hour.calls,
  }
}

/** Every span once: in otel_traces, in llm_calls, and in both rollups' cost and calls. */
async function expectCountedOnce(store: Store, workflow: string, spans: number): Promise<void> {
  const spend = await spendOf(store, workflow)
  const count = String(spans)
  expect(Number(spend.uniqueCallsCost)).toBeGreaterThan(0)
  expect(spend).toEqual({
    spans: count,
    uniqueSpans: count,
    calls: count,
    uniqueCalls: count,
    callsCost: spend.uniqueCallsCost,
    uniqueCallsCost: spend.uniqueCallsCost,
    minuteCost: spend.uniqueCallsCost,
    minuteCalls: count,
    hourCost: spend.uniqueCallsCost,
    hourCalls: count,
  })
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Sends a request whole, then hangs up before the answer: an exporter whose request timed out. */
function sendAndHangUp(url: string, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const request = httpRequest(`${url}/v1/traces`, { method: 'POST', headers: { ...protobuf, 'content-length': String(body.length) } })
    request.on('error', () => resolve())
    request.on('response', (response) => {
      response.destroy()
      resolve()
    })
    request.end(body, () => {
      request.destroy()
      resolve()
    })
  })
}

describe('a client that sends spans again', () => {
  it('counts a request sent twice, and one sent five times at once, once', async () => {
    const collector = await startInProcess('queue-retry')
    try {
      const workflow = 'dedup-retry'
      const [twice, atOnce] = requestBodies(workflow, 2, 40)
      expect((await postTraces(collector.url, twice!, protobuf)).status).toBe(200)
      expect((await postTraces(collector.url, twice!, protobuf)).status).toBe(200)
      // In flight together: each waits for the one appending the spans it shares.
      const answers = await Promise.all(Array.from({ length: 5 }, () => postTraces(collector.url, atOnce!, protobuf)))
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
      await collector.drain(20_000)
      await expectCountedOnce(collector.store, workflow, 80)
      expect(collector.metrics.spansDeduplicated).toBe(40 + 4 * 40)
      const metrics = await (await fetch(`${collector.url}/metrics`)).text()
      expect(metrics).toContain('switchyard_collector_spans_deduplicated_total 200')
      expect(metrics).toContain('switchyard_collector_dedup_spans 80')
      expect(metrics).toMatch(/switchyard_collector_dedup_bytes \d+/)
      // The flusher deleted the segments only after the journal had their spans on disk.
      const journal = path.join(directory.path, 'queue-retry', 'seen-spans')
      const records = readdirSync(journal).filter((name) => name.endsWith('.keys'))
        .reduce((total, name) => total + (statSync(path.join(journal, name)).size - 8) / 12, 0)
      expect(records).toBe(80)
    } finally {
      await collector.close()
    }
  }, 60_000)

  it('counts once a request whose client hung up before the answer and sent it again', async () => {
    const collector = await startInProcess('queue-hang-up')
    try {
      const workflow = 'dedup-hang-up'
      const [body] = requestBodies(workflow, 1, 60)
      await sendAndHangUp(collector.url, body!)
      // The collector wrote it to its queue; the client never saw the 200.
      await waitFor(() => collector.metrics.spansAccepted >= 60, 'the first send to be queued')
      expect((await postTraces(collector.url, body!, protobuf)).status).toBe(200)
      expect(collector.metrics.spansDeduplicated).toBe(60)
      await collector.drain(20_000)
      await expectCountedOnce(collector.store, workflow, 60)
    } finally {
      await collector.close()
    }
  }, 60_000)
})

describe('the same load sent again in full to the next collector on the queue', () => {
  const replay = async (queue: string, workflow: string, options: { dedupWindowMs?: number }): Promise<Collector> => {
    const bodies = requestBodies(workflow, 30, 50)
    const first = await startInProcess(queue, options)
    for (const body of bodies) expect((await postTraces(first.url, body, protobuf)).status).toBe(200)
    // A graceful stop: everything is written, the queue's segments are deleted, and only the journal remembers.
    await first.close()
    const second = await startInProcess(queue, options)
    for (const body of bodies) expect((await postTraces(second.url, body, protobuf)).status).toBe(200)
    await second.drain(30_000)
    return second
  }

  it('is counted once: the second collector remembers the first one\'s spans', async () => {
    const collector = await replay('queue-replay', 'dedup-replay', {})
    try {
      expect(collector.metrics.spansDeduplicated).toBe(1500)
      expect(collector.metrics.spansAccepted).toBe(0)
      await expectCountedOnce(collector.store, 'dedup-replay', 1500)
    } finally {
      await collector.close()
    }
  }, 120_000)

  it('is counted twice with the window at 0, which is what the window prevents', async () => {
    const collector = await replay('queue-replay-off', 'dedup-replay-off', { dedupWindowMs: 0 })
    try {
      expect(collector.seenSpans).toBeUndefined()
      const spend = await spendOf(collector.store, 'dedup-replay-off')
      expect(spend).toMatchObject({ spans: '3000', uniqueSpans: '1500', calls: '3000', minuteCalls: '3000', hourCalls: '3000' })
      expect(spend.minuteCost).toBe(spend.callsCost)
      expect(spend.minuteCost).not.toBe(spend.uniqueCallsCost)
    } finally {
      await collector.close()
    }
  }, 120_000)
})

/** `switchyard collector` as its own process on the shared store, and its URL once it listens. */
async function spawnCollector(): Promise<{ child: ChildProcess; url: string }> {
  const started = await spawnCollectorProcess([
    '--store', `chdb://${storeDirectory}`,
    '--queue-dir', path.join(directory.path, 'queue-kill'),
    '--dedup-window', '1h',
    '--batch-interval-ms', '100', '--batch-spans', '2000'])
  children.push(started.child)
  return started
}

describe('kill -9 of the collector in the middle of a load, then the client re-sends', () => {
  it('counts every span once: what was not acknowledged and the last acknowledged requests, sent again', async () => {
    const workflow = 'dedup-kill'
    const spansPerRequest = 40
    const bodies = requestBodies(workflow, 100, spansPerRequest)
    const acknowledged = new Set<number>()
    const lastAcknowledged: number[] = []

    const { child, url } = await spawnCollector()
    let next = 0
    let killed = false
    // Four exporters at once, so requests are in flight (some written, unanswered) at the kill.
    const worker = async (): Promise<void> => {
      let last: number | undefined
      while (!killed && next < bodies.length) {
        const index = next++
        try {
          const answer = await postTraces(url, bodies[index]!, protobuf)
          if (answer.status === 200) {
            acknowledged.add(index)
            last = index
          }
        } catch {
          break
        }
        if (acknowledged.size * spansPerRequest >= 1_200 && !killed) {
          killed = true
          child.kill('SIGKILL')
        }
      }
      if (last !== undefined) lastAcknowledged.push(last)
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve))
    expect(child.signalCode).toBe('SIGKILL')
    expect(acknowledged.size).toBeGreaterThanOrEqual(30)
    expect(acknowledged.size).toBeLessThan(bodies.length)

    // The exporters re-send what was never acknowledged, and each its last acknowledged
    // request (its answer might as well have been lost).
    const restarted = await spawnCollector()
    const resend = [...lastAcknowledged, ...[...bodies.keys()].filter((index) => !acknowledged.has(index))]
    for (const index of resend) expect((await postTraces(restarted.url, bodies[index]!, protobuf)).status).toBe(200)
    const metrics = await (await fetch(`${restarted.url}/metrics`)).text()
    const deduplicated = Number(/switchyard_collector_spans_deduplicated_total (\d+)/.exec(metrics)?.[1])
    expect(deduplicated).toBeGreaterThanOrEqual(lastAcknowledged.length * spansPerRequest)
    const exited = new Promise<number | null>((resolve) => restarted.child.once('exit', (code) => resolve(code)))
    restarted.child.kill('SIGTERM')
    expect(await exited).toBe(0)

    const collector = await startInProcess('queue-kill')
    try {
      await collector.drain(60_000)
      await expectCountedOnce(collector.store, workflow, bodies.length * spansPerRequest)
    } finally {
      await collector.close()
    }
  }, 180_000)
})

import { describe, expect, it } from 'vitest'
import type { ProviderRequest, StreamEvent } from '../../src/providers/provider.js'
import { isProviderError, type ProviderError } from '../../src/providers/provider-error.js'
import { SimulatedProvider, type SimulatedProviderOptions } from '../../src/providers/simulated/simulated-provider.js'
import { collect, rejection } from '../helpers/provider-server.js'

/** A provider whose waits are recorded and return at once. */
function simulated(options: Omit<SimulatedProviderOptions, 'sleep'> = {}) {
  const slept: number[] = []
  const provider = new SimulatedProvider({
    ...options,
    sleep: async (ms, signal) => {
      slept.push(ms)
      if (signal?.aborted === true) throw signal.reason
    },
  })
  return { provider, slept }
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejection(promise)
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  return error
}

const request: ProviderRequest = {
  model: 'sim-large',
  messages: [
    { role: 'system', content: 'You are a simulated model.' },
    { role: 'user', content: 'Tell me about routing.' },
  ],
}

describe('SimulatedProvider', () => {
  it('gives the same outputs and latencies for the same seed', async () => {
    const first = simulated({ seed: 42 })
    const second = simulated({ seed: 42 })
    const a = [await first.provider.chat(request), await first.provider.chat(request)]
    const b = [await second.provider.chat(request), await second.provider.chat(request)]
    expect(a).toEqual(b)
    expect(first.slept).toEqual(second.slept)
    expect(a[0]?.text.length).toBeGreaterThan(0)
  })

  it('gives other text for another seed', async () => {
    const first = await simulated({ seed: 1 }).provider.chat(request)
    const second = await simulated({ seed: 2 }).provider.chat(request)
    expect(first.text).not.toBe(second.text)
  })

  it('computes usage from the text: input about chars/4 of the messages, output chars/4 of the answer', async () => {
    const { provider } = simulated({ seed: 7, outputTokens: { min: 30, max: 30 }, cachedInputRatio: 0.5 })
    const result = await provider.chat(request)
    const inputChars = 'You are a simulated model.'.length + 'Tell me about routing.'.length
    expect(result.usage).toEqual({
      inputTokens: Math.ceil(inputChars / 4),
      outputTokens: Math.ceil(result.text.length / 4),
      cacheReadInputTokens: Math.floor(Math.ceil(inputChars / 4) * 0.5),
      cacheWriteInputTokens: 0,
      cacheWrite1hInputTokens: 0,
      reasoningOutputTokens: 0,
    })
    expect(result.text).toHaveLength(120)
    expect(result.finishReason).toBe('stop')
  })

  it('stops at maxTokens with finish reason length', async () => {
    const { provider } = simulated({ outputTokens: { min: 100, max: 100 } })
    const result = await provider.chat({ ...request, maxTokens: 10 })
    expect(result).toMatchObject({ finishReason: 'length', usage: { outputTokens: 10 } })
  })

  it('draws time to first token and latency from lognormal distributions around their medians', async () => {
    const { provider, slept } = simulated({
      seed: 3,
      timeToFirstTokenMs: { medianMs: 200, p95Ms: 600 },
      latencyMs: { medianMs: 1000, p95Ms: 3000 },
    })
    const firstTokens: number[] = []
    for (let call = 0; call < 200; call += 1) {
      slept.length = 0
      await provider.chat(request)
      firstTokens.push(slept[0] ?? 0)
    }
    const sorted = [...firstTokens].sort((left, right) => left - right)
    const median = sorted[100] ?? 0
    expect(median).toBeGreaterThan(150)
    expect(median).toBeLessThan(270)
    expect(sorted[190] ?? 0).toBeGreaterThan(400)
  })

  it('streams the same text as chat gives, in chunks, then usage and finish', async () => {
    const chat = await simulated({ seed: 9 }).provider.chat(request)
    const events = await collect(simulated({ seed: 9 }).provider.stream(request))
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('')
    expect(text).toBe(chat.text)
    expect(events.filter((event) => event.type === 'text-delta').length).toBeGreaterThan(1)
    expect(events.at(-2)).toEqual({ type: 'usage', usage: chat.usage })
    expect(events.at(-1)).toEqual({ type: 'finish', result: chat })
  })

  it('fails the scheduled calls with 5xx and 429 faults, then answers', async () => {
    const { provider } = simulated({
      faults: {
        schedule: [
          { call: 1, fault: { type: 'server_error', status: 503 } },
          { call: 2, fault: { type: 'rate_limit', retryAfterMs: 2500 } },
          { call: 3, fault: { type: 'server_error' } },
        ],
      },
    })
    expect(await providerError(provider.chat(request))).toMatchObject({ code: 'overloaded', status: 503, retryable: true })
    expect(await providerError(provider.chat(request))).toMatchObject({ code: 'rate_limit', status: 429, retryAfterMs: 2500 })
    expect(await providerError(provider.chat(request))).toMatchObject({ code: 'server_error', status: 500 })
    expect((await provider.chat(request)).text.length).toBeGreaterThan(0)
  })

  it('hangs on a timeout fault until the signal aborts', async () => {
    const { provider } = simulated({ faults: { schedule: [{ call: 1, fault: { type: 'timeout' } }] } })
    const controller = new AbortController()
    let settled = false
    const pending = providerError(provider.chat({ ...request, signal: controller.signal })).finally(() => {
      settled = true
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(settled).toBe(false)
    controller.abort()
    expect(await pending).toMatchObject({ code: 'aborted' })
  })

  it('reports a hang ended by a deadline signal as timeout', async () => {
    const { provider } = simulated({ faults: { schedule: [{ call: 1, fault: { type: 'timeout' } }] } })
    const error = await providerError(provider.chat({ ...request, signal: AbortSignal.timeout(10) }))
    expect(error.code).toBe('timeout')
  })

  it('cuts a stream after the scripted number of chunks, with the partial text and usage', async () => {
    const { provider } = simulated({
      seed: 5,
      outputTokens: { min: 40, max: 40 },
      chunkTokens: 4,
      faults: { schedule: [{ call: 1, fault: { type: 'stream_cut', afterChunks: 3 } }] },
    })
    const received: StreamEvent[] = []
    const error = await providerError(
      (async () => {
        for await (const event of provider.stream(request)) received.push(event)
      })(),
    )
    expect(received.filter((event) => event.type === 'text-delta')).toHaveLength(3)
    expect(error.code).toBe('stream_cut')
    expect(error.partialText).toHaveLength(48)
    expect(error.partialUsage).toMatchObject({ outputTokens: 12 })
  })

  it('fires random faults with the configured probability, the same calls for the same seed', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const { provider } = simulated({ seed, faults: { probability: { serverError: 0.3, rateLimit: 0.2 } } })
      const codes: string[] = []
      for (let call = 0; call < 200; call += 1) {
        codes.push(await provider.chat(request).then(() => 'ok', (error: ProviderError) => error.code))
      }
      return codes
    }
    const first = await outcomes(11)
    expect(await outcomes(11)).toEqual(first)
    const serverErrors = first.filter((code) => code === 'server_error').length
    const rateLimits = first.filter((code) => code === 'rate_limit').length
    expect(serverErrors).toBeGreaterThan(35)
    expect(serverErrors).toBeLessThan(85)
    expect(rateLimits).toBeGreaterThan(20)
    expect(rateLimits).toBeLessThan(60)
  })

  it('honours an abort between stream chunks, keeping the partial text', async () => {
    const { provider } = simulated({ outputTokens: { min: 40, max: 40 } })
    const controller = new AbortController()
    const error = await providerError(
      (async () => {
        for await (const event of provider.stream({ ...request, signal: controller.signal })) {
          if (event.type === 'text-delta') controller.abort()
        }
      })(),
    )
    expect(error.code).toBe('aborted')
    expect(error.partialText).toHaveLength(16)
  })

  it('calls the named tool when the request forces one', async () => {
    const { provider } = simulated()
    const result = await provider.chat({
      ...request,
      tools: [{ name: 'search', parameters: { type: 'object' } }],
      toolChoice: { name: 'search' },
    })
    expect(result).toMatchObject({ finishReason: 'tool_calls', text: '', toolCalls: [{ name: 'search', arguments: '{}' }] })
  })

  it('waits in real time with the default sleep', async () => {
    const provider = new SimulatedProvider({
      timeToFirstTokenMs: { medianMs: 30, p95Ms: 30 },
      latencyMs: { medianMs: 60, p95Ms: 60 },
    })
    const started = performance.now()
    await provider.chat(request)
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
  })
})

describe('simulated phases', () => {
  it('replaces faults and latency inside a time window measured from creation', async () => {
    let clock = 0
    const provider = new SimulatedProvider({
      seed: 9,
      now: () => clock,
      latencyMs: { medianMs: 0, p95Ms: 0 },
      timeToFirstTokenMs: { medianMs: 0, p95Ms: 0 },
      phases: [{ fromMs: 1_000, toMs: 2_000, faults: { probability: { serverError: 1 } } }],
    })
    const request = { model: 'sim', messages: [{ role: 'user' as const, content: 'hi' }] }
    await expect(provider.chat(request)).resolves.toBeTruthy()
    clock = 1_500
    await expect(provider.chat(request)).rejects.toMatchObject({ code: expect.stringMatching(/server_error|overloaded/) })
    clock = 2_500
    await expect(provider.chat(request)).resolves.toBeTruthy()
  })
})

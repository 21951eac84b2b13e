import type { Span } from '@opentelemetry/api'
import type { Reservation } from '../budget/index.js'
import { countCharacters, estimateCutStreamUsage } from '../pricing/index.js'
import type { ModelCallResult, Usage } from '../model-call/index.js'
import { isProviderError, ProviderError } from '../providers/provider-error.js'
import type { StreamEvent } from '../providers/provider.js'
import type { ChatResult, ChatStream, ChatStreamChunk } from './chat-request.js'
import { estimatePromptTokens } from './context-window.js'
import { countsAsBreakerFailure } from './counts-as-breaker-failure.js'
import { routeAttempts, type AttemptCall, type AttemptCost, type AttemptSpend, type RouteAttemptsOptions } from './route-attempts.js'
import type { RouteConfig } from './router-config.js'
import { isAllTargetsFailedError, RequestAbortedError } from './router-errors.js'
import type { TargetHealth } from './target-health.js'

interface PreparedStream {
  name: string
  route: RouteConfig
  routeSpan: Span | undefined
  reservation: Reservation | undefined
  spend: AttemptSpend
  attemptsOptions: RouteAttemptsOptions
}

interface OpenedStream {
  iterator: AsyncIterator<StreamEvent>
  first: IteratorResult<StreamEvent>
  ttftMs: number
}

export interface OpenRoutedStreamOptions {
  prepare: () => PreparedStream
  health: TargetHealth
  now: () => number
  priceUsage: (call: AttemptCall, model: string, usage: Usage, estimated: boolean) => AttemptCost
  toChatResult: (options: { result: ModelCallResult; cost: AttemptCost; call: AttemptCall; attempts: ChatResult['attempts']; route: string }) => ChatResult
  endRouteSpan: (span: Span | undefined, error?: unknown) => void
  /** End the reservation with what the attempts cost in all, in pico-USD. */
  settle: (reservation: Reservation | undefined, units: bigint) => void
}

/**
 * A routed stream. Until the first event arrives the request may be retried or
 * sent elsewhere (nothing reached the caller yet); from then on it is never re-sent,
 * so the caller never sees duplicated text. A stream cut midway ends with the
 * provider's error to the caller and an error span that keeps the tokens seen.
 */
export function openRoutedStream(options: OpenRoutedStreamOptions): ChatStream {
  const { health, now } = options
  let resolveResult!: (result: ChatResult) => void
  let rejectResult!: (error: unknown) => void
  const result = new Promise<ChatResult>((resolve, reject) => {
    resolveResult = resolve
    rejectResult = reject
  })
  // A caller that only iterates must not get an unhandled rejection from `result`.
  result.catch(() => undefined)
  let cancelled = false
  let started: AsyncGenerator<ChatStreamChunk> | undefined

  async function* run(): AsyncGenerator<ChatStreamChunk> {
    let prepared: PreparedStream
    try {
      prepared = options.prepare()
    } catch (error) {
      rejectResult(error)
      throw error
    }
    let opened: Awaited<ReturnType<typeof routeAttempts<OpenedStream>>>
    try {
      const firstTokenMs = prepared.route.timeouts.firstTokenMs
      opened = await routeAttempts(prepared.attemptsOptions, (call) => openUntilFirstEvent(call, firstTokenMs, now))
    } catch (error) {
      options.endRouteSpan(prepared.routeSpan, error)
      options.settle(prepared.reservation, isAllTargetsFailedError(error) || error instanceof RequestAbortedError ? prepared.spend.units : 0n)
      rejectResult(error)
      throw error
    }
    const { value, call, attempts } = opened
    health.latency(call.target).recordTimeToFirstToken(value.ttftMs)
    let text = ''
    // Code points of `text`, added up per delta: the budget check on every delta would
    // otherwise count the whole text again, O(n²) over a long stream.
    let characters = 0
    let lastUsage: Usage | undefined
    let finished: ModelCallResult | undefined
    let next: IteratorResult<StreamEvent> = value.first
    // Counted once: the stop-at-limit check below runs on every text chunk.
    const promptTokens = estimatePromptTokens(call.request)
    const breaker = health.breaker(call.target, prepared.route.breaker)
    const fail = (error: unknown, outcome: 'error' | 'cancelled'): void => {
      call.control.dispose()
      if (outcome === 'cancelled' || !countsAsBreakerFailure(error)) breaker.recordNeutral()
      else breaker.recordFailure()
      const usage = estimateCutStreamUsage({
        partialUsage: (isProviderError(error) ? error.partialUsage : undefined) ?? lastUsage,
        outputCharacters: characters,
        inputTokens: promptTokens,
      })
      const cost = options.priceUsage(call, call.target.model, usage, true)
      call.span.end({ error, errorType: outcome === 'cancelled' ? 'cancelled' : (isProviderError(error) ? error.code : '_OTHER'), usage, cost, ttftMs: value.ttftMs })
      attempts.push({ attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome, durationMs: now() - call.startedAt, errorCode: isProviderError(error) ? error.code : undefined, costUsd: cost.costUsd })
      options.endRouteSpan(prepared.routeSpan, outcome === 'cancelled' ? undefined : error)
      options.settle(prepared.reservation, prepared.spend.units + cost.costUnits)
    }
    /** With `stopStreamAtLimit`, a stream about to cross a hard budget limit is ended cleanly. */
    const overBudget = (): boolean => {
      const limit = prepared.reservation?.streamLimitUnits()
      if (limit === undefined) return false
      const usage = estimateCutStreamUsage({ partialUsage: lastUsage, outputCharacters: characters, inputTokens: promptTokens })
      const cost = options.priceUsage(call, call.target.model, usage, true)
      return cost.costUnits > limit
    }
    let stoppedAtLimit = false
    let completed = false
    try {
      while (!next.done) {
        const event = next.value
        if (event.type === 'text-delta') {
          text += event.text
          characters += countCharacters(event.text)
          yield { type: 'text-delta', text: event.text }
          if (overBudget()) {
            stoppedAtLimit = true
            break
          }
        } else if (event.type === 'tool-call-delta') {
          yield event
        } else if (event.type === 'usage') {
          lastUsage = event.usage
        } else {
          finished = event.result
        }
        if (cancelled) break
        next = await value.iterator.next()
      }
      if (cancelled) {
        await value.iterator.return?.()
        fail(new ProviderError({ code: 'aborted', message: 'the caller cancelled the stream', provider: call.target.provider, model: call.target.model }), 'cancelled')
        rejectResult(new Error('stream cancelled by the caller'))
        completed = true
        return
      }
      if (stoppedAtLimit) {
        await value.iterator.return?.()
        const usage = estimateCutStreamUsage({ partialUsage: lastUsage, outputCharacters: characters, inputTokens: promptTokens })
        finished = { id: '', model: call.target.model, text, toolCalls: [], finishReason: 'length', rawFinishReason: 'budget_limit', usage }
        call.span.addEvent('switchyard.budget.stream_stopped', { reason: 'stopStreamAtLimit' })
        call.control.dispose()
        breaker.recordNeutral()
        const cost = options.priceUsage(call, call.target.model, usage, true)
        call.span.end({ result: finished, cost, ttftMs: value.ttftMs })
        attempts.push({ attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome: 'success', durationMs: now() - call.startedAt, costUsd: cost.costUsd })
        options.endRouteSpan(prepared.routeSpan)
        options.settle(prepared.reservation, prepared.spend.units + cost.costUnits)
        completed = true
        resolveResult(options.toChatResult({ result: finished, cost, call, attempts, route: prepared.name }))
        return
      }
      if (finished === undefined) {
        throw new ProviderError({ code: 'stream_cut', message: 'the stream ended without its final event', provider: call.target.provider, model: call.target.model, partial: { text, usage: lastUsage } })
      }
      call.control.dispose()
      breaker.recordSuccess()
      health.latency(call.target).recordLatency(now() - call.startedAt)
      const cost = options.priceUsage(call, finished.model || call.target.model, finished.usage, false)
      call.span.end({ result: finished, cost, ttftMs: value.ttftMs })
      attempts.push({ attempt: call.attempt, provider: call.target.provider, model: call.target.model, outcome: 'success', durationMs: now() - call.startedAt, costUsd: cost.costUsd })
      options.endRouteSpan(prepared.routeSpan)
      options.settle(prepared.reservation, prepared.spend.units + cost.costUnits)
      completed = true
      resolveResult(options.toChatResult({ result: finished, cost, call, attempts, route: prepared.name }))
    } catch (error) {
      completed = true
      fail(error, 'error')
      rejectResult(error)
      throw error
    } finally {
      if (!completed) {
        // The caller stopped iterating (break / return): a cancellation, billed for what was seen.
        await value.iterator.return?.()
        fail(new ProviderError({ code: 'aborted', message: 'the caller stopped reading the stream', provider: call.target.provider, model: call.target.model }), 'cancelled')
        rejectResult(new Error('stream cancelled by the caller'))
      }
    }
  }

  const start = (): AsyncGenerator<ChatStreamChunk> => {
    started ??= run()
    return started
  }

  return {
    [Symbol.asyncIterator]: () => start(),
    get result() {
      if (started === undefined) {
        // Nobody iterates: drain the stream here so the result still arrives.
        const generator = start()
        void (async () => {
          try {
            for (let step = await generator.next(); !step.done; step = await generator.next()) { /* discard */ }
          } catch {
            // The rejection reaches the caller through `result`.
          }
        })()
      }
      return result
    },
    cancel() {
      cancelled = true
    },
  }
}

/** Open the provider stream and wait for its first event, within the first-token timeout. */
async function openUntilFirstEvent(call: AttemptCall, firstTokenMs: number, now: () => number): Promise<OpenedStream> {
  const iterator = call.provider.stream(call.request)[Symbol.asyncIterator]()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new ProviderError({ code: 'timeout', message: `no first token within ${firstTokenMs} ms`, provider: call.target.provider, model: call.target.model }))
    }, firstTokenMs)
  })
  try {
    const first = await Promise.race([iterator.next(), timeout])
    return { iterator, first, ttftMs: now() - call.startedAt }
  } catch (error) {
    // The pending read holds the connection until the provider answers: abort the
    // request itself, or a silent provider would keep a pool connection for minutes.
    call.control.cancel(error instanceof Error ? error : new Error('no first event'))
    void iterator.return?.()?.catch(() => undefined)
    throw error
  } finally {
    clearTimeout(timer)
  }
}

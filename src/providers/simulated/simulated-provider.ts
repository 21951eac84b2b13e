import type { ChatMessage } from '../../model-call/chat-message.js'
import type { EmbeddingCallResult } from '../../model-call/embedding.js'
import type { ModelCallResult } from '../../model-call/model-call-result.js'
import type { ToolCall } from '../../model-call/tool-call.js'
import type { Usage } from '../../model-call/usage.js'
import { checkEmbeddingInput } from '../check-embedding-input.js'
import type { EmbeddingProviderRequest, Provider, ProviderRequest, StreamEvent } from '../provider.js'
import { ProviderError, type ProviderErrorContext } from '../provider-error.js'
import { providerErrorFromFailure } from '../provider-error-from-failure.js'
import { abortableSleep, abortion, type Sleep } from './abortable-sleep.js'
import { sampleLognormal, type LatencyDistribution } from './lognormal.js'
import { createSeededRandom, hashString, mixSeeds } from './seeded-random.js'
import { pickFault } from './simulated-fault.js'
import type { SimulatedFault, SimulatedOptions } from './simulated-options.js'
import { simulatedEmbedding } from './simulated-embedding.js'
import { charactersPerToken, estimateTokens, simulatedText } from './simulated-text.js'

export interface SimulatedProviderOptions extends SimulatedOptions {
  /** Replaces real waiting; tests pass one that records the delay and returns at once. */
  sleep?: Sleep
  /** The clock that phases are measured on; default Date.now. */
  now?: () => number
}

/** When a call answers and whether it fails: the same for chat and embeddings. */
interface CallTiming {
  call: number
  fault: SimulatedFault | undefined
  timeToFirstTokenMs: number
  latencyMs: number
}

interface CallPlan extends CallTiming {
  result: ModelCallResult
}

/** Who a call goes to and what aborts it. */
type CallTarget = Pick<ProviderRequest, 'model' | 'signal'>

const defaultTimeToFirstToken: LatencyDistribution = { medianMs: 300, p95Ms: 900 }
const defaultLatency: LatencyDistribution = { medianMs: 1200, p95Ms: 3500 }
const defaultHangMs = 60_000

/**
 * A seeded, deterministic model for the demo and tests, with no HTTP. The answer
 * depends on the seed and the request only (the same prompt gets the same text);
 * latency and faults depend on the seed and the call number (1, 2, ...), so the
 * same seed and the same sequence of calls replay exactly. Usage is computed
 * from the text at 4 characters a token. Faults follow a schedule or
 * probabilities: 5xx, 429 with Retry-After, a hang until the signal aborts, a
 * stream cut after N chunks. The AbortSignal is honoured at every wait.
 */
export class SimulatedProvider implements Provider {
  readonly providerName: string
  readonly serverAddress = 'simulated'
  readonly serverPort = 0
  #calls = 0
  readonly #sleep: Sleep

  readonly #now: () => number
  readonly #createdAt: number

  readonly #options: SimulatedProviderOptions

  constructor(options: SimulatedProviderOptions = {}) {
    this.#options = options
    this.providerName = options.providerName ?? 'simulated'
    this.#sleep = options.sleep ?? abortableSleep
    this.#now = options.now ?? Date.now
    this.#createdAt = this.#now()
  }

  async chat(request: ProviderRequest): Promise<ModelCallResult> {
    const plan = this.#plan(request)
    const context = this.#context(request)
    await this.#beforeFirstToken(plan, request, context)
    if (plan.fault?.type === 'stream_cut') {
      throw new ProviderError({ ...context, code: 'network', message: 'the connection was reset (simulated).' })
    }
    await this.#wait(plan.latencyMs - plan.timeToFirstTokenMs, request, context)
    return plan.result
  }

  async *stream(request: ProviderRequest): AsyncGenerator<StreamEvent> {
    const plan = this.#plan(request)
    const context = this.#context(request)
    await this.#beforeFirstToken(plan, request, context)
    const chunks = chunkText(plan.result.text, (this.#options.chunkTokens ?? 4) * charactersPerToken)
    const chunkDelayMs = (plan.latencyMs - plan.timeToFirstTokenMs) / Math.max(chunks.length, 1)
    const cutAfter = plan.fault?.type === 'stream_cut' ? (plan.fault.afterChunks ?? Math.floor(chunks.length / 2)) : undefined
    let sent = ''
    for (const [index, chunk] of chunks.entries()) {
      if (index === cutAfter) break
      if (index > 0) {
        try {
          await this.#wait(chunkDelayMs, request, context)
        } catch (error) {
          throw providerErrorFromFailure({ error, context, phase: 'stream' }).withPartial(this.#partial(plan, sent))
        }
      }
      sent += chunk
      yield { type: 'text-delta', text: chunk }
    }
    if (cutAfter !== undefined) {
      throw new ProviderError({
        ...context,
        code: 'stream_cut',
        message: `the stream stopped after ${Math.min(cutAfter, chunks.length)} chunks (simulated).`,
        partial: this.#partial(plan, sent),
      })
    }
    for (const [index, call] of plan.result.toolCalls.entries()) {
      yield { type: 'tool-call-delta', index, id: call.id, name: call.name, argumentsDelta: call.arguments }
    }
    yield { type: 'usage', usage: plan.result.usage }
    yield { type: 'finish', result: plan.result }
  }

  /**
   * Deterministic vectors (see simulatedEmbedding), after the simulated latency and
   * with the same fault schedule as chat: a `stream_cut` fault resets the connection.
   */
  async embed(request: EmbeddingProviderRequest): Promise<EmbeddingCallResult> {
    checkEmbeddingInput(request)
    const timing = this.#timing()
    const context = this.#context(request)
    await this.#beforeFirstToken(timing, request, context)
    if (timing.fault?.type === 'stream_cut') {
      throw new ProviderError({ ...context, code: 'network', message: 'the connection was reset (simulated).' })
    }
    await this.#wait(timing.latencyMs - timing.timeToFirstTokenMs, request, context)
    return simulatedEmbedding(request, this.#options.seed ?? 1)
  }

  async close(): Promise<void> {}

  #context(request: CallTarget): ProviderErrorContext {
    return { provider: this.providerName, model: request.model, secrets: [] }
  }

  #plan(request: ProviderRequest): CallPlan {
    const timing = this.#timing()
    return { ...timing, result: this.#answer(request, this.#options.seed ?? 1, timing.call) }
  }

  #timing(): CallTiming {
    this.#calls += 1
    const call = this.#calls
    const seed = this.#options.seed ?? 1
    const callRandom = createSeededRandom(mixSeeds(seed, call))
    const elapsed = this.#now() - this.#createdAt
    const phase = this.#options.phases?.find((candidate) => elapsed >= candidate.fromMs && elapsed < candidate.toMs)
    const fault = pickFault(call, callRandom, phase?.faults ?? this.#options.faults)
    const timeToFirstTokenMs = sampleLognormal(callRandom, phase?.timeToFirstTokenMs ?? this.#options.timeToFirstTokenMs ?? defaultTimeToFirstToken)
    const latencyMs = Math.max(timeToFirstTokenMs, sampleLognormal(callRandom, phase?.latencyMs ?? this.#options.latencyMs ?? defaultLatency))
    return { call, fault, timeToFirstTokenMs, latencyMs }
  }

  #answer(request: ProviderRequest, seed: number, call: number): ModelCallResult {
    const random = createSeededRandom(mixSeeds(seed, hashString(`${request.model}\n${JSON.stringify(request.messages)}`)))
    const bounds = this.#options.outputTokens ?? { min: 20, max: 200 }
    const wanted = random.integer(bounds.min, bounds.max)
    const tokens = request.maxTokens === undefined ? wanted : Math.min(wanted, request.maxTokens)
    const toolCalls = forcedToolCalls(request, call)
    const text = toolCalls.length > 0 ? '' : simulatedText(random, tokens)
    const inputTokens = estimateTokens(request.messages.map(messageText).join(''))
    const usage: Usage = {
      inputTokens,
      outputTokens: estimateTokens(text + toolCalls.map((toolCall) => toolCall.arguments).join('')),
      cacheReadInputTokens: Math.floor(inputTokens * (this.#options.cachedInputRatio ?? 0)),
      cacheWriteInputTokens: 0,
      cacheWrite1hInputTokens: 0,
      reasoningOutputTokens: 0,
    }
    const finishReason = toolCalls.length > 0 ? 'tool_calls' : tokens < wanted ? 'length' : 'stop'
    return {
      id: `sim-${seed}-${call}`,
      model: request.model,
      text,
      toolCalls,
      finishReason,
      rawFinishReason: finishReason,
      usage,
    }
  }

  async #beforeFirstToken(plan: CallTiming, request: CallTarget, context: ProviderErrorContext): Promise<void> {
    const fault = plan.fault
    if (fault?.type === 'rate_limit') {
      const retryAfterMs = fault.retryAfterMs ?? 1000
      throw new ProviderError({
        ...context,
        code: 'rate_limit',
        status: 429,
        retryAfterMs,
        providerErrorType: 'rate_limit_exceeded',
        message: `HTTP 429: rate limited, retry after ${retryAfterMs} ms (simulated).`,
      })
    }
    if (fault?.type === 'timeout') await this.#hang(request, context)
    await this.#wait(plan.timeToFirstTokenMs, request, context)
    if (fault?.type === 'server_error') {
      const status = fault.status ?? 500
      throw new ProviderError({
        ...context,
        code: status === 503 || status === 529 ? 'overloaded' : 'server_error',
        status,
        providerErrorType: 'simulated_fault',
        message: `HTTP ${status} (simulated).`,
      })
    }
  }

  async #hang(request: CallTarget, context: ProviderErrorContext): Promise<never> {
    const { signal } = request
    if (signal !== undefined) {
      await abortion(signal)
      throw providerErrorFromFailure({ error: signal.reason, context, signal, phase: 'request' })
    }
    await this.#sleep(this.#options.hangMs ?? defaultHangMs)
    throw new ProviderError({ ...context, code: 'timeout', message: 'no response (simulated hang).' })
  }

  /** Sleeps, then checks the signal too, so an injected sleep that returns at once still honours aborts. */
  async #wait(ms: number, request: CallTarget, context: ProviderErrorContext): Promise<void> {
    const { signal } = request
    try {
      await this.#sleep(Math.max(0, ms), signal)
    } catch (error) {
      throw providerErrorFromFailure({ error, context, signal, phase: 'request' })
    }
    if (signal?.aborted === true) throw providerErrorFromFailure({ error: signal.reason, context, signal, phase: 'request' })
  }

  #partial(plan: CallPlan, sent: string): { text: string; usage: Usage } {
    return { text: sent, usage: { ...plan.result.usage, outputTokens: estimateTokens(sent) } }
  }
}

/** With `toolChoice` `required` or a named tool, the simulated model calls it (with `{}` as arguments). */
function forcedToolCalls(request: ProviderRequest, call: number): ToolCall[] {
  const choice = request.toolChoice
  const tools = request.tools ?? []
  if (tools.length === 0 || choice === undefined || choice === 'auto' || choice === 'none') return []
  const name = typeof choice === 'object' ? choice.name : (tools[0]?.name ?? 'tool')
  return [{ id: `call_sim_${call}`, name, arguments: '{}' }]
}

function messageText(message: ChatMessage): string {
  switch (message.role) {
    case 'user':
      return typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => (part.type === 'text' ? part.text : part.imageUrl)).join('')
    case 'assistant':
      return (message.content ?? '') + (message.toolCalls ?? []).map((call) => call.name + call.arguments).join('')
    default:
      return message.content
  }
}

function chunkText(text: string, size: number): string[] {
  const chunks: string[] = []
  for (let start = 0; start < text.length; start += size) chunks.push(text.slice(start, start + size))
  return chunks
}

/** A simulated provider (see SimulatedProvider). */
export function createSimulatedProvider(options: SimulatedProviderOptions = {}): SimulatedProvider {
  return new SimulatedProvider(options)
}

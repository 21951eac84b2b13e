import { createNoopMeter, metrics, type Counter, type Histogram } from '@opentelemetry/api'
import type { Usage } from '../model-call/usage.js'
import type { CallCost } from './call-cost.js'

/** Bucket boundaries the GenAI conventions advise for these two histograms. */
const durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]

interface Instruments {
  duration: Histogram
  tokens: Histogram
  cost: Counter
}

let instruments: Instruments | undefined
let instrumentsProvider: unknown
/**
 * What a meter of no registered provider hands out: the API's one no-op histogram.
 * While the duration histogram is that, nothing would record a call's metrics, so
 * their attributes are not built (a few µs a call).
 */
const noopHistogram = createNoopMeter().createHistogram('switchyard.noop')

function getInstruments(): Instruments {
  // The app may register its meter provider after switchyard's first call: follow it.
  const provider = metrics.getMeterProvider()
  if (instruments !== undefined && instrumentsProvider === provider) return instruments
  instrumentsProvider = provider
  const meter = metrics.getMeter('switchyard', '0.1.0')
  instruments = {
    duration: meter.createHistogram('gen_ai.client.operation.duration', {
      unit: 's',
      description: 'GenAI operation duration',
      advice: { explicitBucketBoundaries: durationBuckets },
    }),
    tokens: meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      description: 'Measures number of input and output tokens used',
      advice: { explicitBucketBoundaries: tokenBuckets },
    }),
    // A float counter is fine for dashboards; exact money lives on the spans and in ClickHouse.
    cost: meter.createCounter('switchyard.client.cost', { unit: 'USD', description: 'Cost of model calls' }),
  }
  return instruments
}

export interface ModelCallMetrics {
  /** `gen_ai.operation.name`; default `chat`. */
  operation?: 'chat' | 'embeddings'
  providerName: string
  requestModel: string
  responseModel: string | undefined
  serverAddress: string
  errorType: string | undefined
  durationSeconds: number
  usage: Usage | undefined
  cost: CallCost | undefined
}

/** Record the conventions' client metrics for one call. */
export function recordModelCallMetrics(call: ModelCallMetrics): void {
  const { duration, tokens, cost } = getInstruments()
  if (duration === noopHistogram) return
  const attributes: Record<string, string> = {
    'gen_ai.operation.name': call.operation ?? 'chat',
    'gen_ai.provider.name': call.providerName,
    'gen_ai.request.model': call.requestModel,
    'server.address': call.serverAddress,
  }
  if (call.responseModel !== undefined) attributes['gen_ai.response.model'] = call.responseModel
  if (call.errorType !== undefined) attributes['error.type'] = call.errorType
  duration.record(call.durationSeconds, attributes)
  if (call.usage !== undefined) {
    tokens.record(call.usage.inputTokens, withTokenType(attributes, 'input'))
    // An embeddings call has no output: the conventions record its input tokens only.
    if (call.operation !== 'embeddings') tokens.record(call.usage.outputTokens, withTokenType(attributes, 'output'))
  }
  if (call.cost !== undefined && call.cost.source !== 'unknown') cost.add(Number(call.cost.costUsd), attributes)
}

/**
 * The attributes with `gen_ai.token.type`. Copied, then set: on Node 20,
 * `{ ...attributes, 'gen_ai.token.type': type }` takes a slow path of a few µs.
 */
function withTokenType(attributes: Record<string, string>, type: 'input' | 'output'): Record<string, string> {
  const copy = Object.assign({}, attributes)
  copy['gen_ai.token.type'] = type
  return copy
}

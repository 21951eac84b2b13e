import { createBudgetGate } from '../../src/budget/budget-gate.js'
import { createBudgetLedger } from '../../src/budget/budget-ledger.js'
import { createPriceTable } from '../../src/pricing/create-price-table.js'
import { worstCaseCost } from '../../src/pricing/worst-case-cost.js'
import { benchBudgets } from './bench-budgets.js'
import { benchInputTokens, benchMaxTokens, benchModel } from './bench-request.js'
import { startBenchTelemetry } from './bench-telemetry.js'
import { serveParent } from './child-process.js'
import { runConcurrent, runSequential } from './load.js'
import { createOpenAIClient, openaiChat, openaiStream } from './openai-client.js'
import { applyInstrumentation, type InstrumentationName } from './peer-instrumentations.js'
import { inBenchWorkflow } from './router-client.js'
import { staticSpendSource } from './static-spend-source.js'

/*
 * One variant of the SDK comparison in a process of its own: instrumentations
 * patch the OpenAI prototypes for the whole process, so variants cannot share one.
 * Arguments: variant name, upstream URL, collector URL. Instrumented variants
 * export through the same SDK pipeline (batch processor, OTLP/HTTP protobuf) to the
 * same collector; the bare SDK registers no OpenTelemetry SDK at all.
 */
const [name, upstreamUrl, collectorUrl] = process.argv.slice(2) as [InstrumentationName, string, string]
const telemetry = name === 'none' ? undefined : startBenchTelemetry('collector', { sink: upstreamUrl, collector: collectorUrl })
const ledger = createBudgetLedger({ budgets: benchBudgets(), source: staticSpendSource() })
await ledger.start()
const priceTable = createPriceTable()
const gate = createBudgetGate({
  ledger,
  worstCaseUnits: () => worstCaseCost({ table: priceTable, provider: 'openai', model: benchModel, inputTokens: benchInputTokens, maxOutputTokens: benchMaxTokens, at: new Date() }),
})

let setupError: string | undefined
let client = createOpenAIClient(upstreamUrl)
try {
  client = await applyInstrumentation(name, client, gate)
} catch (error) {
  setupError = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

interface RunRequest {
  kind: 'chat' | 'stream'
  warmup: number
  sequential: number
  concurrent: number
  concurrency: number
  maxMs: number
}

serveParent({
  ready: { setupError },
  handlers: {
    run: async (payload) => {
      const request = payload as RunRequest
      const call = request.kind === 'chat' ? () => openaiChat(client) : () => openaiStream(client)
      return inBenchWorkflow(async () => {
        await runSequential({ count: request.warmup, maxMs: request.maxMs, call })
        await runConcurrent({ concurrency: request.concurrency, count: request.warmup * 2, maxMs: request.maxMs, call })
        const sequential = await runSequential({ count: request.sequential, maxMs: request.maxMs, call })
        const concurrent = await runConcurrent({ concurrency: request.concurrency, count: request.concurrent, maxMs: request.maxMs, call })
        return { samples: sequential.samples, errors: sequential.errors + concurrent.errors, firstError: sequential.firstError ?? concurrent.firstError, perSecond: concurrent.perSecond }
      })
    },
    flush: async () => {
      await telemetry?.flush()
      return true
    },
  },
  onClose: async () => {
    await telemetry?.shutdown()
    await ledger.close()
  },
})

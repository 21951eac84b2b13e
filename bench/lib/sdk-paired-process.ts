import type OpenAI from 'openai'
import { startBenchTelemetry } from './bench-telemetry.js'
import { serveParent } from './child-process.js'
import { runSequential } from './load.js'
import { createOpenAIClient, openaiChat, openaiStream } from './openai-client.js'
import { applyInstrumentation } from './peer-instrumentations.js'
import { inBenchWorkflow } from './router-client.js'

/*
 * The paired half of the SDK comparison: the bare SDK, `instrument(openai)` and
 * langfuse's `observeOpenAI` as three clients of one process, called in alternating
 * batches, so that each batch of one sits beside a batch of the others in the same
 * process, on the same core, at the same moment. Separate processes differ by a few
 * hundred µs for their whole life (see sdk-comparison.ts); here that difference is
 * the same for all three. Only langfuse can take part: it wraps one client, while
 * traceloop and openinference patch the SDK's prototypes for the whole process.
 * Both instrumented clients export through the same SDK pipeline (batch processor,
 * OTLP/HTTP protobuf) to a null sink on the upstream, and each batch ends with a flush
 * inside its CPU measurement, so a variant pays for exporting its own spans. Not to
 * the collector: its ingest, on the same 2 cores, would land in whichever batch runs
 * next, and what it does with a span is the pipeline's cost, not the client's.
 * Argument: upstream URL.
 */
const [upstreamUrl] = process.argv.slice(2) as [string]
const telemetry = startBenchTelemetry('sink', { sink: upstreamUrl })

const pairedVariants = ['bare', 'instrument', 'langfuse'] as const
type PairedVariant = (typeof pairedVariants)[number]

const clients: Record<PairedVariant, OpenAI> = {
  bare: createOpenAIClient(upstreamUrl),
  instrument: await applyInstrumentation('switchyard instrument()', createOpenAIClient(upstreamUrl)),
  langfuse: await applyInstrumentation('langfuse', createOpenAIClient(upstreamUrl)),
}

interface PairedRequest {
  kind: 'chat' | 'stream'
  warmup: number
  batch: number
  rounds: number
  maxMs: number
}

/** Per variant: every call's latency (ns), and the CPU per call of each batch (µs). */
type PairedRun = Record<PairedVariant, { samples: number[]; cpuPerCallUs: number[]; errors: number; firstError?: string }>

serveParent({
  ready: { pid: process.pid },
  handlers: {
    run: async (payload) => {
      const request = payload as PairedRequest
      const deadline = performance.now() + request.maxMs
      const run: PairedRun = { bare: emptyRun(), instrument: emptyRun(), langfuse: emptyRun() }
      return inBenchWorkflow(async () => {
        for (const variant of pairedVariants) {
          const client = clients[variant]
          await runSequential({ count: request.warmup, maxMs: request.maxMs, call: () => call(request.kind, client) })
        }
        // The warm-up's spans go now, not in the first measured batch.
        await telemetry?.flush()
        for (let round = 0; round < request.rounds && performance.now() < deadline; round++) {
          // The order turns each round, so no variant always runs first or last.
          for (let index = 0; index < pairedVariants.length; index++) {
            const variant = pairedVariants[(index + round) % pairedVariants.length]!
            const client = clients[variant]
            const cpu = process.cpuUsage()
            const batch = await runSequential({ count: request.batch, maxMs: request.maxMs, call: () => call(request.kind, client) })
            // Export this batch's spans inside its own measurement: the batch processor's timer
            // would otherwise charge them to whichever variant's batch runs when it fires.
            await telemetry?.flush()
            const used = process.cpuUsage(cpu)
            const entry = run[variant]
            entry.samples.push(...batch.samples)
            if (batch.samples.length > 0) entry.cpuPerCallUs.push((used.user + used.system) / batch.samples.length)
            entry.errors += batch.errors
            entry.firstError ??= batch.firstError
          }
        }
        return run
      })
    },
  },
  onClose: async () => {
    await telemetry?.shutdown()
  },
})

function emptyRun(): PairedRun[PairedVariant] {
  return { samples: [], cpuPerCallUs: [], errors: 0 }
}

function call(kind: 'chat' | 'stream', client: OpenAI): Promise<string> {
  return kind === 'chat' ? openaiChat(client) : openaiStream(client)
}

import OpenAI from 'openai'
import type { BudgetGate } from '../../src/budget/budget-gate.js'

/*
 * The instrumentations compared in bench/sdk-comparison.ts, each applied to the
 * official `openai` client the way its documentation says for ESM code (manual
 * instrumentation of the module, or a wrapper around the client). The peers come
 * from bench/node_modules (bench/package.json), so they are imported by computed
 * specifier: the library's typecheck does not depend on them being installed.
 */

export type InstrumentationName =
  | 'none'
  | 'switchyard instrument()'
  | 'switchyard instrument() + budgets'
  | 'traceloop'
  | 'traceloop, content off'
  | 'openinference'
  | 'openinference, content off'
  | 'langfuse'

interface ManualInstrumentation {
  manuallyInstrument(module: unknown): void
}

async function importPeer(specifier: string): Promise<Record<string, unknown>> {
  return (await import(specifier)) as Record<string, unknown>
}

/** Instrument `client` (or the OpenAI module it comes from) and return the client to call. */
export async function applyInstrumentation(name: InstrumentationName, client: OpenAI, budgets?: BudgetGate): Promise<OpenAI> {
  switch (name) {
    case 'none':
      return client
    case 'switchyard instrument()':
    case 'switchyard instrument() + budgets': {
      // Imported on demand, so that the peers' processes never load switchyard.
      const { instrument } = await import('../../src/wrap/instrument.js')
      return instrument(client, name === 'switchyard instrument() + budgets' ? { budgets } : {})
    }
    case 'traceloop':
    case 'traceloop, content off': {
      const peer = await importPeer('@traceloop/instrumentation-openai')
      const Instrumentation = peer.OpenAIInstrumentation as new (config?: { traceContent?: boolean }) => ManualInstrumentation
      // Its manual path patches `module.Chat.Completions.prototype`: the OpenAI class carries those statics.
      new Instrumentation(name === 'traceloop' ? {} : { traceContent: false }).manuallyInstrument(OpenAI)
      return client
    }
    case 'openinference':
    case 'openinference, content off': {
      const peer = await importPeer('@arizeai/openinference-instrumentation-openai')
      const Instrumentation = peer.OpenAIInstrumentation as new (config?: { traceConfig?: Record<string, boolean> }) => ManualInstrumentation
      const traceConfig = name === 'openinference' ? undefined : { hideInputs: true, hideOutputs: true, hideInputMessages: true, hideOutputMessages: true }
      // It patches `module.OpenAI.Chat.Completions.prototype` and marks the module object, which must be writable.
      new Instrumentation({ traceConfig }).manuallyInstrument({ OpenAI, default: OpenAI })
      return client
    }
    case 'langfuse': {
      const peer = await importPeer('@langfuse/openai')
      const observeOpenAI = peer.observeOpenAI as (target: OpenAI) => OpenAI
      return observeOpenAI(client)
    }
  }
}

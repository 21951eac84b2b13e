import { formatReport } from '../report/format-report.js'
import { createRouter } from '../router/create-router.js'
import type { RouterConfigInput } from '../router/router-config.js'
import { startTelemetry } from '../telemetry/start-telemetry.js'
import { step, workflow } from '../telemetry/workflow-context.js'
import { demoDestination, type DemoDestinationOptions } from './demo-destination.js'
import { openDemoSink } from './demo-sink.js'

export interface RunRealDemoOptions extends DemoDestinationOptions {
  keys: Readonly<Record<string, string | undefined>>
  captureMessageContent?: boolean
}

/**
 * `switchyard demo --real`: one small workflow against the real providers whose
 * keys are set, to the same destinations as the simulated demo.
 */
export async function runRealDemo(options: RunRealDemoOptions): Promise<number> {
  const targets: { provider: string; model: string }[] = []
  const providers: RouterConfigInput['providers'] = {}
  if (options.keys.openai !== undefined) {
    providers.openai = { type: 'openai', apiKey: options.keys.openai }
    targets.push({ provider: 'openai', model: 'gpt-4.1-nano' })
  }
  if (options.keys.anthropic !== undefined) {
    providers.anthropic = { type: 'anthropic', apiKey: options.keys.anthropic }
    targets.push({ provider: 'anthropic', model: 'claude-haiku-4-5' })
  }
  if (options.keys.gemini !== undefined) {
    providers.gemini = { type: 'gemini', apiKey: options.keys.gemini }
    targets.push({ provider: 'gemini', model: 'gemini-2.5-flash-lite' })
  }
  if (targets.length === 0) {
    console.error('switchyard demo --real: set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY to call real providers')
    return 1
  }
  const from = new Date()
  const sink = await openDemoSink(demoDestination(options))
  const telemetry = startTelemetry({ exporter: sink.exporter, serviceName: 'switchyard-demo-real' })
  const router = createRouter({ providers, routes: { small: { targets, retry: { attempts: 2 } } }, captureMessageContent: options.captureMessageContent ?? false })
  try {
    console.log(`spans go to ${sink.description}`)
    const calls = await workflow('real-smoke', async () => {
      const classified = await step('classify', () => router.chat({ route: 'small', maxTokens: 20, messages: [{ role: 'user', content: 'One word: is "my invoice is wrong" about billing or bugs?' }] }))
      console.log(`classify: ${classified.text.trim()} (${classified.provider}/${classified.model}, $${classified.costUsd})`)
      const answered = await step('answer', () => router.chat({ route: 'small', maxTokens: 60, messages: [{ role: 'user', content: 'In one sentence, how should support handle a duplicated invoice?' }] }))
      console.log(`answer: ${answered.text.trim()} ($${answered.costUsd})`)
      return classified.attempts.length + answered.attempts.length
    })
    await telemetry.flush()
    await sink.settle({ from, calls, timeoutMs: 30_000 })
    console.log(formatReport(await sink.report({ from, to: new Date(), by: ['provider', 'model'] }), 'table'))
    return 0
  } finally {
    await router.close()
    await telemetry.shutdown()
    await sink.close()
  }
}

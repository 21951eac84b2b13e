import { readEnvironment } from '../config/environment.js'
import { runDemo } from '../demo/run-demo.js'
import { runRealDemo } from '../demo/run-real-demo.js'
import { numberOption, parseCliArguments } from './cli-arguments.js'

const help = `usage: switchyard demo [--real] [--directory <dir>] [--triage-runs <n>] [--coding-runs <n>]

Runs a collector on the embedded store, a router over simulated providers, and two
agent workflows many times (an outage, a slow provider, a budget that fills), then
prints the report. The data stays in <dir>/data (default .switchyard/data).
--real runs one small workflow against real providers (needs OPENAI_API_KEY,
ANTHROPIC_API_KEY or GEMINI_API_KEY).`

/** `switchyard demo` (`npm run demo`). */
export async function runDemoCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    real: { type: 'boolean' },
    directory: { type: 'string' },
    'triage-runs': { type: 'string' },
    'coding-runs': { type: 'string' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  const environment = readEnvironment()
  const captureMessageContent = environment.captureMessageContent
  if (values.real) return runRealDemo({ directory: values.directory, keys: environment.providerKeys, captureMessageContent })
  await runDemo({
    directory: values.directory,
    captureMessageContent,
    triageRuns: numberOption(values['triage-runs'], 'triage-runs'),
    codingRuns: numberOption(values['coding-runs'], 'coding-runs'),
  })
  return 0
}

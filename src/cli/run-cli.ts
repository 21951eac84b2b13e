import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api'
import { runBudgetsCommand } from './budgets-command.js'
import { runCollectorCommand } from './collector-command.js'
import { runDemoCommand } from './demo-command.js'
import { runGatewayCommand } from './gateway-command.js'
import { runKeysCommand } from './keys-command.js'
import { runMigrateCommand } from './migrate-command.js'
import { runReportCommand } from './report-command.js'
import { runUiCommand } from './ui-command.js'

const usage = `usage: switchyard <command> [options]

commands:
  gateway     serve the router over HTTP to agents in any language (OpenAI and Anthropic formats, virtual keys)
  collector   run the OTLP/HTTP collector that writes spans into ClickHouse
  migrate     create or upgrade the store's tables
  report      spend and latency by workflow, step, provider, model, route or tag
  budgets     spend, limit, burn rate and run-out time per budget
  keys        create a gateway virtual key (shown once) or hash an existing one
  ui          the web view of runs, waterfalls and spend (127.0.0.1:4400/ui/)
  demo        run simulated agent workflows through router, collector and store, then report

Run \`switchyard <command> --help\` for a command's options.`

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  budgets: runBudgetsCommand,
  collector: runCollectorCommand,
  demo: runDemoCommand,
  gateway: runGatewayCommand,
  keys: runKeysCommand,
  migrate: runMigrateCommand,
  report: runReportCommand,
  ui: runUiCommand,
}

/** Run one CLI command; returns the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN)
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage)
    return command === undefined ? 1 : 0
  }
  const run = commands[command]
  if (run === undefined) {
    console.error(`switchyard: unknown command ${JSON.stringify(command)}\n\n${usage}`)
    return 2
  }
  try {
    return await run(rest)
  } catch (error) {
    console.error(`switchyard ${command}: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}


// `switchyard gateway` as its own process for test/gateway/gateway-command.test.ts,
// until the command is registered in src/cli/run-cli.ts.
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api'
import { runGatewayCommand } from '../../src/cli/gateway-command.js'

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN)
try {
  process.exitCode = await runGatewayCommand(process.argv.slice(2))
} catch (error) {
  console.error(`switchyard gateway: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}

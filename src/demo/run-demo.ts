import { randomUUID } from 'node:crypto'
import { isBudgetExceededError } from '../budget/budget-exceeded-error.js'
import { formatUsd } from '../pricing/format-usd.js'
import { formatReport } from '../report/format-report.js'
import { createRouter, type Router } from '../router/create-router.js'
import { isAllTargetsFailedError } from '../router/router-errors.js'
import { startTelemetry, type Telemetry } from '../telemetry/start-telemetry.js'
import { demoRouterConfig } from './demo-config.js'
import { demoDestination, type DemoDestinationOptions } from './demo-destination.js'
import { openDemoSink, type DemoReportQuery, type DemoSink } from './demo-sink.js'
import { codingAssistant, supportTriage, type RunOutcome } from './demo-workflows.js'

/**
 * `directory`, `store`, `collector`, `collectorToken`: where the spans go (see
 * demoDestination); by default the embedded store in `.switchyard/data`, which is
 * what `switchyard report` reads.
 */
export interface RunDemoOptions extends DemoDestinationOptions {
  triageRuns?: number
  codingRuns?: number
  concurrency?: number
  write?: (line: string) => void
  /** Record prompt and completion text on the spans (the CLI passes OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
  captureMessageContent?: boolean
  /** Keep the demo's collector, and so its web view at /ui/, serving until this settles (`--serve`: until Ctrl-C). */
  serveUntil?: Promise<unknown>
}

export interface DemoSummary {
  runs: number
  calls: number
  fallbacks: number
  budgetBlocks: number
  failedCalls: number
  breakerOpened: boolean
  breakerRecovered: boolean
  from: Date
  to: Date
}

const tenants = ['acme', 'globex', 'initech']

/**
 * The README's main job: a collector on an embedded ClickHouse (or on the store the
 * user names, or a running collector instead), a router over three simulated
 * providers, and two agent workflows run many times while a provider goes down,
 * another turns slow and a budget fills. Then the report. Everything stays in the
 * store for `switchyard report` and Grafana.
 */
export async function runDemo(options: RunDemoOptions = {}): Promise<DemoSummary> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const from = new Date()
  const demoRun = randomUUID().slice(0, 8)

  const sink = await openDemoSink(demoDestination(options))
  let telemetry: Telemetry | undefined
  let router: Router | undefined
  try {
    write(`switchyard demo ${demoRun}: spans go to ${sink.description}`)
    telemetry = startTelemetry({ exporter: sink.exporter, serviceName: 'switchyard-demo', scheduledDelayMillis: 250 })
    const config = demoRouterConfig({ outageFromMs: 3_000, outageToMs: 8_000, slowFromMs: 2_000 })
    router = createRouter({
      ...config,
      captureMessageContent: options.captureMessageContent ?? false,
      budgets: [{
        name: 'triage-plan-hourly',
        // The planning step is the dear one. Each demo run has its own budget (its
        // `demo_run` tag), so a second run starts from zero.
        match: { workflow: 'support-triage', step: 'plan', 'tag.demo_run': demoRun },
        window: '1h',
        limitUsd: 0.15,
        actions: [{ at: 0.35, do: 'warn' }, { at: 0.5, do: { downgrade: 'plan-economy' } }, { at: 1, do: 'block' }],
      }],
    }, { spendSource: sink.spendSource })
    await router.ready()
    const summary = await runWorkflows({
      router,
      triageRuns: options.triageRuns ?? 90,
      codingRuns: options.codingRuns ?? 40,
      concurrency: options.concurrency ?? 5,
      demoRun,
      write,
    })

    write('flushing spans into ClickHouse ...')
    await telemetry.flush()
    if (!await sink.settle({ from, calls: summary.calls, timeoutMs: 30_000 })) {
      write(`not every call is in the store after 30 s: the report below may miss the last ones (\`switchyard report ${sink.reportFlag}\` shows them later)`)
    }
    const to = new Date()
    await writeReports({ sink, from, to, write })
    write('')
    write(`runs ${summary.runs}, model calls ${summary.calls}, fallbacks ${summary.fallbacks}, budget blocks ${summary.budgetBlocks}, breaker opened: ${summary.breakerOpened ? 'yes' : 'no'}, recovered: ${summary.breakerRecovered ? 'yes' : 'no'}`)
    write('')
    write('Look further (the data stays in the store):')
    write(`  npx switchyard report ${sink.reportFlag} --since 1h --by workflow,step`)
    write(`  npx switchyard report ${sink.reportFlag} --since 1h --by provider,model --format csv`)
    write(`  npx switchyard report ${sink.reportFlag} --critical-path support-triage --since 1h`)
    write('  Grafana: the README\'s "Grafana" section (a docker compose stack; run the demo with --collector http://localhost:4318)')
    await offerWebView({ sink, serveUntil: options.serveUntil, write })
    return { ...summary, from, to }
  } finally {
    await router?.close()
    await telemetry?.shutdown()
    await sink.close()
  }
}

/**
 * The web view of the runs: served by the demo's collector while `serveUntil` holds it
 * open (`--serve`); otherwise the command that serves the same store once the demo
 * has let it go (one process owns an embedded store), or the running collector's.
 */
async function offerWebView(options: { sink: DemoSink; serveUntil: Promise<unknown> | undefined; write: (line: string) => void }): Promise<void> {
  const { sink, serveUntil, write } = options
  if (!sink.uiClosesWithDemo) {
    write(`  Web view: ${sink.uiUrl}`)
    return
  }
  if (serveUntil === undefined) {
    write(`  Web view: npx switchyard ui ${sink.reportFlag}, then http://127.0.0.1:4400/ui/ (or run the demo with --serve)`)
    return
  }
  write('')
  write(`Serving the web view of these runs at ${sink.uiUrl} (Ctrl-C stops)`)
  await serveUntil
}

async function writeReports(options: { sink: DemoSink; from: Date; to: Date; write: (line: string) => void }): Promise<void> {
  const { sink, from, to, write } = options
  const queries: DemoReportQuery[] = [
    { from, to, by: ['workflow', 'step'] },
    { from, to, by: ['provider', 'model'] },
    { from, to, criticalPath: 'support-triage' },
  ]
  for (const query of queries) {
    write('')
    write(formatReport(await sink.report(query), 'table').trimEnd())
  }
}

interface WorkflowRunOptions {
  router: Router
  triageRuns: number
  codingRuns: number
  concurrency: number
  demoRun: string
  write: (line: string) => void
}

async function runWorkflows(options: WorkflowRunOptions): Promise<Omit<DemoSummary, 'from' | 'to'>> {
  const { router, write } = options
  const jobs: (() => Promise<RunOutcome>)[] = []
  // Coding runs are spread evenly among the triage runs, so both see the outage and its end.
  const total = options.triageRuns + options.codingRuns
  let triage = 0
  let coding = 0
  for (let index = 0; index < total; index++) {
    const tags = { tenant: tenants[index % tenants.length]!, demo_run: options.demoRun }
    const wantCoding = coding < options.codingRuns && (triage >= options.triageRuns || (coding + 1) / options.codingRuns <= (index + 1) / total)
    if (wantCoding) {
      const run = coding++
      jobs.push(() => codingAssistant(router, run, tags))
    } else {
      const run = triage++
      jobs.push(() => supportTriage(router, run, tags))
    }
  }
  const totals = { runs: 0, calls: 0, fallbacks: 0, budgetBlocks: 0, failedCalls: 0, breakerOpened: false, breakerRecovered: false }
  const everOpen = new Set<string>()
  const started = Date.now()
  const progress = setInterval(() => {
    const states = Object.entries(router.breakerStates())
    const breakers = states.filter(([, state]) => state !== 'closed')
    for (const [target] of breakers) everOpen.add(target)
    if (breakers.length > 0) totals.breakerOpened = true
    if (states.some(([target, state]) => state === 'closed' && everOpen.has(target))) totals.breakerRecovered = true
    const budget = router.budgets?.status().find((status) => status.name === 'triage-plan-hourly')
    write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] runs ${String(totals.runs).padStart(3)}/${jobs.length}`
      + ` · calls ${String(totals.calls).padStart(4)} · fallbacks ${String(totals.fallbacks).padStart(3)}`
      + ` · budget blocks ${String(totals.budgetBlocks).padStart(3)}`
      + (budget === undefined ? '' : ` · plan budget ${(budget.share * 100).toFixed(0)}% of $${formatUsd(budget.limitUnits)}`)
      + (breakers.length === 0 ? '' : ` · breaker ${breakers.map(([target, state]) => `${target} ${state}`).join(', ')}`))
  }, 1_000)
  progress.unref()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next]!
      next += 1
      const outcome = await job()
      // Think time between runs, so the run spans the outage and the slow spell.
      await new Promise((resolve) => setTimeout(resolve, 120 + Math.random() * 120))
      totals.runs += 1
      totals.calls += outcome.calls.reduce((sum, call) => sum + call.attempts.length, 0)
      totals.fallbacks += outcome.calls.filter((call) => new Set(call.attempts.map((attempt) => attempt.provider)).size > 1).length
      for (const failure of outcome.failures) {
        if (isBudgetExceededError(failure)) totals.budgetBlocks += 1
        else totals.failedCalls += 1
        if (isAllTargetsFailedError(failure)) totals.calls += failure.attempts.length
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()))
  } finally {
    clearInterval(progress)
  }
  return totals
}

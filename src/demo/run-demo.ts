import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { startCollector, type Collector } from '../collector/collector.js'
import { isBudgetExceededError } from '../budget/budget-exceeded-error.js'
import { createSpendSource } from '../budget/create-spend-source.js'
import { formatUsd } from '../pricing/format-usd.js'
import { buildReport } from '../report/build-report.js'
import { criticalPath } from '../report/critical-path.js'
import { formatReport } from '../report/format-report.js'
import { createRouter, type Router } from '../router/create-router.js'
import { isAllTargetsFailedError } from '../router/router-errors.js'
import { startTelemetry, type Telemetry } from '../telemetry/start-telemetry.js'
import { demoRouterConfig } from './demo-config.js'
import { codingAssistant, supportTriage, type RunOutcome } from './demo-workflows.js'

export interface RunDemoOptions {
  /** Where the embedded store and the queue live; default `.switchyard` (what `switchyard report` reads). */
  directory?: string
  triageRuns?: number
  codingRuns?: number
  concurrency?: number
  write?: (line: string) => void
  /** Record prompt and completion text on the spans (the CLI passes OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
  captureMessageContent?: boolean
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
 * The README's main job: a collector on an embedded ClickHouse, a router over
 * three simulated providers, and two agent workflows run many times while a provider
 * goes down, another turns slow and a budget fills. Then the report. Everything
 * stays in the store for `switchyard report` and Grafana.
 */
export async function runDemo(options: RunDemoOptions = {}): Promise<DemoSummary> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const directory = path.resolve(options.directory ?? '.switchyard')
  const triageRuns = options.triageRuns ?? 90
  const codingRuns = options.codingRuns ?? 40
  const concurrency = options.concurrency ?? 5
  const from = new Date()
  const demoRun = randomUUID().slice(0, 8)

  write(`switchyard demo ${demoRun}: store chdb://${path.join(directory, 'data')}`)
  const collector = await startCollector({
    host: '127.0.0.1',
    port: 0,
    store: `chdb://${path.join(directory, 'data')}`,
    queueDirectory: path.join(directory, 'queue'),
    batchIntervalMs: 250,
  })
  let telemetry: Telemetry | undefined
  let router: Router | undefined
  try {
    write(`collector listening on ${collector.url} (OTLP/HTTP), writing otel_traces, llm_calls and spend rollups`)
    telemetry = startTelemetry({ endpoint: collector.url, serviceName: 'switchyard-demo', scheduledDelayMillis: 250 })
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
    }, { spendSource: createSpendSource({ store: collector.store }) })
    await router.ready()
    const summary = await runWorkflows({ router, triageRuns, codingRuns, concurrency, demoRun, write, collector })

    write('flushing spans into ClickHouse ...')
    await telemetry.flush()
    await collector.drain(30_000)
    const to = new Date()
    const report = await buildReport({ store: collector.store, from, to, by: ['workflow', 'step'] })
    write('')
    write(formatReport(report, 'table').trimEnd())
    const byModel = await buildReport({ store: collector.store, from, to, by: ['provider', 'model'] })
    write('')
    write(formatReport(byModel, 'table').trimEnd())
    const path_ = await criticalPath({ store: collector.store, workflow: 'support-triage', from, to })
    write('')
    write(formatReport(path_, 'table').trimEnd())
    write('')
    write(`runs ${summary.runs}, model calls ${summary.calls}, fallbacks ${summary.fallbacks}, budget blocks ${summary.budgetBlocks}, breaker opened: ${summary.breakerOpened ? 'yes' : 'no'}, recovered: ${summary.breakerRecovered ? 'yes' : 'no'}`)
    write('')
    write(`Look further (the data stays in ${path.join(directory, 'data')}):`)
    write('  npx switchyard report --since 1h --by workflow,step')
    write('  npx switchyard report --since 1h --by provider,model --format csv')
    write('  npx switchyard report --critical-path support-triage --since 1h')
    write('  Grafana: dashboards/README.md (docker compose stack with the ClickHouse datasource and dashboards)')
    return { ...summary, from, to }
  } finally {
    await router?.close()
    await telemetry?.shutdown()
    await collector.close()
  }
}

interface WorkflowRunOptions {
  router: Router
  triageRuns: number
  codingRuns: number
  concurrency: number
  demoRun: string
  write: (line: string) => void
  collector: Collector
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

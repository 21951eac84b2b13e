import type { BudgetConfig } from '../budget/budget-config.js'
import { createBudgetLedger } from '../budget/budget-ledger.js'
import type { BudgetStatus } from '../budget/budget-status.js'
import { parseBudgets } from '../budget/parse-budgets.js'
import { createSpendSource } from '../budget/create-spend-source.js'
import { SharedBudgetStore } from '../budget/shared/shared-budget-store.js'
import { withSharedFigures } from '../budget/shared/with-shared-figures.js'
import { sharedConfigSchema, type SharedConfig } from '../config/shared-config.js'
import { describeWindow } from '../budget/window-span.js'
import { readEnvironment } from '../config/environment.js'
import { readExpandedConfig, validateExpandedConfig } from '../config/load-config.js'
import { switchyardConfigError } from '../config/switchyard-config-error.js'
import { formatUsd } from '../pricing/format-usd.js'
import { createStore } from '../store/create-store.js'
import { CliUsageError, parseCliArguments } from './cli-arguments.js'

const help = `usage: switchyard budgets [--config <file>] [--store <url>] [--format table|json]

Shows each budget's window, spend, limit, share used, burn rate and when it runs out
at that rate. Spend is what the store holds; "reserved" is what this process holds in
flight, so always 0 here (a router's own ledger.status() shows its reservations),
unless the config has \`shared\` (a Redis): then "reserved" is every process's calls in
flight, and finished calls not yet in the store count in "spent", as the routers count them.

  --config <file>   the switchyard config (.json, .yaml/.yml, or an ES module .mjs/.js
                    exporting it as default), or a file with only { "budgets": [...] } or
                    a bare list; \${NAME} is an environment variable
                    (default switchyard.config.json)
  --store <url>     chdb://<dir> or http(s)://user:pass@host:8123/db (default: the
                    config's store, else $CLICKHOUSE_URL, else chdb://.switchyard/data)
  --format <f>      table (default) or json; json amounts are exact decimal strings`

/** `switchyard budgets`: read every budget's spend from the store once and print it. */
export async function runBudgetsCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    config: { type: 'string' },
    store: { type: 'string' },
    format: { type: 'string' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  const format = values.format ?? 'table'
  if (format !== 'table' && format !== 'json') throw new CliUsageError(`--format must be table or json (got ${JSON.stringify(format)})`)
  // An explicit --store wins over the config's store.
  const { budgets, store: configStore, shared } = await loadBudgets(values.config ?? 'switchyard.config.json')
  const store = await createStore({ url: values.store ?? configStore ?? readEnvironment().clickhouseUrl })
  try {
    const ledger = createBudgetLedger({ budgets, source: createSpendSource({ store }) })
    const refreshedAtMs = Date.now()
    await ledger.refresh()
    const { statuses, sharedError } = await acrossProcesses(ledger.status(), shared, refreshedAtMs)
    console.log(format === 'json' ? JSON.stringify(statuses.map(toJson), null, 2) : renderTable(statuses, Date.now(), sharedError))
    return statuses.some((status) => status.lastError !== undefined) || sharedError !== undefined ? 1 : 0
  } finally {
    await store.close()
  }
}

/** With `shared`: the reservations and unconfirmed calls of every process, from Redis. */
async function acrossProcesses(statuses: BudgetStatus[], shared: SharedConfig | undefined, refreshedAtMs: number): Promise<{ statuses: BudgetStatus[]; sharedError?: string }> {
  if (shared === undefined || statuses.length === 0) return { statuses }
  const sharedStore = new SharedBudgetStore({ ...shared, commandTimeoutMs: 5_000 })
  sharedStore.track({ budgets: statuses.map((status) => status.name), figureAtMs: () => refreshedAtMs })
  try {
    await sharedStore.start()
    return { statuses: withSharedFigures(statuses, await sharedStore.figures()) }
  } catch (error) {
    return { statuses, sharedError: `the shared Redis at ${sharedStore.url} could not be read (${error instanceof Error ? error.message : String(error)}); "reserved" is not across processes` }
  } finally {
    await sharedStore.close()
  }
}

/**
 * The budgets and store of `--config`: a whole switchyard config, read and checked by
 * the one loader, or (as before there was one) `{ "budgets": [...] }` or a bare list,
 * with `${NAME}` expanded either way.
 */
async function loadBudgets(file: string): Promise<{ budgets: BudgetConfig[]; store?: string; shared?: SharedConfig }> {
  const expanded = await readExpandedConfig(file)
  const value = expanded.value
  if (isRecord(value) && 'providers' in value) {
    const config = validateExpandedConfig(expanded, file)
    return { budgets: config.budgets, store: config.store, ...(config.shared === undefined ? {} : { shared: config.shared }) }
  }
  if (expanded.issues.length > 0) throw switchyardConfigError({ source: file, issues: expanded.issues, secrets: expanded.substituted })
  if (Array.isArray(value)) return { budgets: parseBudgets(value) }
  if (isRecord(value) && 'budgets' in value) {
    const shared = value.shared === undefined ? undefined : sharedConfigSchema.safeParse(value.shared)
    if (shared?.success === false) throw new CliUsageError(`--config ${file}: shared: ${shared.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`)
    return { budgets: parseBudgets(value.budgets), store: typeof value.store === 'string' ? value.store : undefined, ...(shared === undefined ? {} : { shared: shared.data }) }
  }
  throw new CliUsageError(`--config ${file} has no budgets: give a switchyard config, { "budgets": [...] } or a list of budgets`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toJson(status: BudgetStatus): Record<string, unknown> {
  return {
    name: status.name,
    window: status.window,
    windowStart: new Date(status.windowStartMs).toISOString(),
    windowEnd: status.windowEndMs === undefined ? null : new Date(status.windowEndMs).toISOString(),
    spentUsd: formatUsd(status.spentUnits),
    settledUsd: formatUsd(status.settledUnits),
    reservedUsd: formatUsd(status.reservedUnits),
    unconfirmedUsd: formatUsd(status.unconfirmedUnits),
    limitUsd: formatUsd(status.limitUnits),
    share: status.share,
    burnRate: { usdPerHour: formatUsd(status.burnRatePerHourUnits), basis: status.burnRateBasis },
    runsOutAt: status.runsOutAtMs === undefined ? null : new Date(status.runsOutAtMs).toISOString(),
    stale: status.stale,
    error: status.lastError ?? null,
    ...(status.shared === undefined ? {} : { shared: status.shared }),
  }
}

function renderTable(statuses: readonly BudgetStatus[], nowMs: number, sharedError?: string): string {
  if (statuses.length === 0) return 'no budgets configured'
  const header = ['budget', 'window', 'spent', 'reserved', 'limit', 'used', 'burn rate', 'runs out']
  const rows = statuses.map((status) => [
    status.name,
    describeWindow(status.window),
    `$${formatUsd(status.spentUnits)}`,
    `$${formatUsd(status.reservedUnits)}`,
    `$${formatUsd(status.limitUnits)}`,
    `${(status.share * 100).toFixed(1)}%`,
    `$${roundedUsd(status.burnRatePerHourUnits)}/h (${status.burnRateBasis})`,
    runsOut(status, nowMs),
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)))
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()
  const notes = statuses
    .filter((status) => status.lastError !== undefined)
    .map((status) => `! ${status.name}: the store could not be read (${status.lastError}); figures are incomplete`)
  if (sharedError !== undefined) notes.push(`! ${sharedError}`)
  return [line(header), ...rows.map(line), ...notes].join('\n')
}

function runsOut(status: BudgetStatus, nowMs: number): string {
  if (status.runsOutAtMs === undefined) return status.windowEndMs === undefined ? 'not at this rate' : 'not before the window resets'
  if (status.runsOutAtMs <= nowMs) return 'now (limit reached)'
  const minutes = Math.round((status.runsOutAtMs - nowMs) / 60_000)
  const inText = minutes >= 60 ? `${Math.floor(minutes / 60)}h ${minutes % 60}m` : `${minutes}m`
  return `${new Date(status.runsOutAtMs).toISOString()} (in ${inText})`
}

/** A rate for reading, to the micro-dollar; the JSON output keeps every digit. */
function roundedUsd(units: bigint): string {
  const step = 1_000_000n
  return formatUsd(((units + step / 2n) / step) * step)
}

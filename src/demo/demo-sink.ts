import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { createSpendSource } from '../budget/create-spend-source.js'
import type { SpendSource } from '../budget/spend-source.js'
import { startCollector } from '../collector/collector.js'
import { defaultReportLimit } from '../report/build-report.js'
import { fetchReport } from '../report/fetch-report.js'
import type { ReportDimension } from '../report/report-dimension.js'
import { runReportRequest, type ReportRequest } from '../report/report-request.js'
import type { CriticalPathReport, Report } from '../report/report-schema.js'

/**
 * Where the demo's spans go: a collector the demo starts itself on a store
 * (`chdb://<dir>` or a ClickHouse server), or a collector that is already running
 * (the docker compose stack's), which then owns the store.
 */
export type DemoDestination =
  | { kind: 'store'; storeUrl: string; queueDirectory: string }
  | { kind: 'collector'; collectorUrl: string; token?: string }

/** What the demo asks of a report: the window, and either groupings or a critical path. */
export interface DemoReportQuery {
  from: Date
  to: Date
  by?: ReportDimension[]
  criticalPath?: string
}

export interface DemoSink {
  /** For the demo's first lines: where the spans go and who writes them. */
  readonly description: string
  /** The flag that points `switchyard report` at the same data, e.g. `--collector http://127.0.0.1:4318`. */
  readonly reportFlag: string
  /** The web view of the data while the sink is open (the collector serves it at /ui/). */
  readonly uiUrl: string
  /** Whether the web view goes away with the demo (its own collector) or stays (a running collector's). */
  readonly uiClosesWithDemo: boolean
  readonly exporter: SpanExporter
  readonly spendSource: SpendSource
  /** Resolves once the calls counted since `from` reach `calls` (or after `timeoutMs`); false when they did not. */
  settle(options: { from: Date; calls: number; timeoutMs: number }): Promise<boolean>
  report(query: DemoReportQuery): Promise<Report | CriticalPathReport>
  close(): Promise<void>
}

/** Open the destination: start the demo's own collector, or point at a running one. */
export async function openDemoSink(destination: DemoDestination): Promise<DemoSink> {
  return destination.kind === 'store' ? openStoreSink(destination) : openCollectorSink(destination)
}

function reportRequest(query: DemoReportQuery): ReportRequest {
  return { window: { from: query.from, to: query.to }, by: query.by ?? [], format: 'json', criticalPath: query.criticalPath, limit: defaultReportLimit }
}

const storeWaitMs = 15_000

/** Whether `prepared` resolves within `ms`. */
async function preparedWithin(prepared: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([prepared.then(() => true as const), timedOut])
  } finally {
    clearTimeout(timer)
  }
}

async function openStoreSink(destination: { storeUrl: string; queueDirectory: string }): Promise<DemoSink> {
  const collector = await startCollector({
    host: '127.0.0.1',
    port: 0,
    store: destination.storeUrl,
    queueDirectory: destination.queueDirectory,
    batchIntervalMs: 250,
  })
  // A collector starts with its store down and waits for it; the demo would wait for its
  // spans in vain, so it stops at once with the store named instead.
  if (!collector.storePrepared && !(await preparedWithin(collector.whenStorePrepared, storeWaitMs))) {
    await collector.close()
    throw new Error(`the store ${collector.store.displayUrl} did not answer within ${storeWaitMs / 1000} s: start it, or leave --store and CLICKHOUSE_URL unset for the embedded store`)
  }
  return {
    description: `store ${collector.store.displayUrl}, through a collector on ${collector.url} (OTLP/HTTP) that this demo runs`,
    reportFlag: `--store ${collector.store.displayUrl}`,
    uiUrl: `${collector.url}/ui/`,
    uiClosesWithDemo: true,
    exporter: new OTLPTraceExporter({ url: `${collector.url}/v1/traces` }),
    spendSource: createSpendSource({ store: collector.store }),
    async settle(options) {
      // The collector is ours: everything it acknowledged is in the store once it drains.
      await collector.drain(options.timeoutMs)
      return true
    },
    report: (query) => runReportRequest({ store: collector.store, request: reportRequest(query) }),
    close: () => collector.close(),
  }
}

async function openCollectorSink(destination: { collectorUrl: string; token?: string }): Promise<DemoSink> {
  const base = new URL(destination.collectorUrl).origin
  const { token } = destination
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
  const report = (query: DemoReportQuery): Promise<Report | CriticalPathReport> =>
    fetchReport({ collectorUrl: base, request: reportRequest(query), token })
  // Ask once before the runs: a collector that is not there, refuses the token or is
  // not switchyard's (no report endpoint) fails the demo now, with its reason, rather
  // than after every span of it was refused.
  const now = Date.now()
  await report({ from: new Date(now - 60_000), to: new Date(now) })
  return {
    description: `the collector at ${base} (OTLP/HTTP), which writes its own store`,
    reportFlag: `--collector ${base}`,
    uiUrl: `${base}/ui/`,
    uiClosesWithDemo: false,
    exporter: new OTLPTraceExporter({ url: `${base}/v1/traces`, headers }),
    spendSource: createSpendSource({ url: base, token }),
    async settle(options) {
      // The collector acknowledged the spans into its queue; its flusher inserts them
      // in batches, so ask its report until the demo's calls are all counted.
      const deadline = Date.now() + options.timeoutMs
      for (;;) {
        const answer = await report({ from: options.from, to: new Date(Date.now() + 60_000) })
        if (answer.kind === 'report' && answer.total.calls >= options.calls) return true
        if (Date.now() >= deadline) return false
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
    report,
    close: () => Promise.resolve(),
  }
}

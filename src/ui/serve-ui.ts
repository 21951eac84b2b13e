import type { IncomingMessage, ServerResponse } from 'node:http'
import { diag } from '@opentelemetry/api'
import type { BudgetConfig } from '../budget/budget-config.js'
import { createBudgetLedger } from '../budget/budget-ledger.js'
import type { BudgetStatus } from '../budget/budget-status.js'
import { createSpendSource } from '../budget/create-spend-source.js'
import { isReportRequestError, ReportRequestError } from '../report/report-request-error.js'
import type { Store } from '../store/create-store.js'
import { buildOverview } from './build-overview.js'
import { listRuns } from './list-runs.js'
import { runWaterfall } from './run-waterfall.js'
import { uiAsset } from './ui-assets.js'
import { uiPage } from './ui-page.js'
import { maxQueryStringLength, parseOverviewParameters, parseRunId, parseRunsFilter } from './ui-parameters.js'
import { sendJson, sendJsonError, sendText, sendUi } from './ui-response.js'

export interface UiOptions {
  store: Store
  /** Configured budgets: the overview reads their spend from the store when it is asked for. */
  budgets?: readonly BudgetConfig[]
  /** Or the live budget status of a router's ledger (the gateway's), which also counts what is in flight. */
  budgetStatus?: () => readonly BudgetStatus[]
  now?: () => Date
}

/** What a 503 says: the store failed; why is in the process's log only. */
const storeFailureMessage = 'the store did not answer (the server logged why): retry later'
/** The longest path the web view answers: `/ui/api/runs/` and a 200-character run id, percent-encoded. */
const maxPathLength = 700

/**
 * The web view's request handler, for any Node HTTP server: the collector, the
 * gateway and `switchyard ui` call it first and go on with their own routes when it
 * answers false (not a `/ui` path). Read-only: GET and HEAD only. Pages are HTML
 * shells; their figures come from `/ui/api/...` as JSON built by src/report's
 * functions and the run queries of this folder, every value bound as a parameter.
 * A bad parameter or run id is a 400 naming it; a store that fails is a 503.
 */
export async function serveUi(request: IncomingMessage, response: ServerResponse, options: UiOptions): Promise<boolean> {
  const target = request.url ?? '/'
  const questionMark = target.indexOf('?')
  const pathname = questionMark < 0 ? target : target.slice(0, questionMark)
  if (pathname !== '/ui' && !pathname.startsWith('/ui/')) return false
  const head = request.method === 'HEAD'
  if (request.method !== 'GET' && !head) {
    sendUi(response, { status: 405, contentType: 'text/plain; charset=utf-8', body: 'the web view is read-only: GET or HEAD', headers: { allow: 'GET, HEAD' } })
    return true
  }
  const query = questionMark < 0 ? '' : target.slice(questionMark + 1)
  if (pathname.length > maxPathLength || query.length > maxQueryStringLength) {
    const message = `the ${pathname.length > maxPathLength ? 'path' : 'query string'} is too long for the web view (at most ${pathname.length > maxPathLength ? maxPathLength : maxQueryStringLength} characters)`
    if (pathname.startsWith('/ui/api/')) sendJsonError(response, { status: 400, message, head })
    else sendText(response, 400, message, head)
    return true
  }
  try {
    await route({ pathname, searchParams: new URLSearchParams(query), response, options, head })
  } catch (error) {
    answerFailure({ error, pathname, response, head })
  }
  return true
}

/** serveUi bound to its options, for a server's request listener. */
export function createUiHandler(options: UiOptions): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  return (request, response) => serveUi(request, response, options)
}

interface RouteOptions {
  pathname: string
  searchParams: URLSearchParams
  response: ServerResponse
  options: UiOptions
  head: boolean
}

async function route({ pathname, searchParams, response, options, head }: RouteOptions): Promise<void> {
  const now = options.now?.() ?? new Date()
  if (pathname === '/ui') {
    sendUi(response, { status: 308, contentType: 'text/plain; charset=utf-8', body: 'see /ui/', head, headers: { location: '/ui/' } })
  } else if (pathname === '/ui/') {
    parseOverviewParameters(searchParams, now)
    sendHtml(response, uiPage('overview'), head)
  } else if (pathname === '/ui/runs' || pathname === '/ui/runs/') {
    parseRunsFilter(searchParams, now)
    sendHtml(response, uiPage('runs'), head)
  } else if (pathname.startsWith('/ui/runs/') && !pathname.slice('/ui/runs/'.length).includes('/')) {
    parseRunId(pathname.slice('/ui/runs/'.length))
    sendHtml(response, uiPage('run'), head)
  } else if (pathname === '/ui/api/overview') {
    const window = parseOverviewParameters(searchParams, now)
    sendJson(response, 200, await buildOverview({ store: options.store, window, budgets: await budgetStatuses(options) }), head)
  } else if (pathname === '/ui/api/runs') {
    sendJson(response, 200, await listRuns({ store: options.store, filter: parseRunsFilter(searchParams, now) }), head)
  } else if (pathname.startsWith('/ui/api/runs/') && !pathname.slice('/ui/api/runs/'.length).includes('/')) {
    const runId = parseRunId(pathname.slice('/ui/api/runs/'.length))
    if (searchParams.size > 0) throw new ReportRequestError('a run takes no query parameters', { option: 'query' })
    const waterfall = await runWaterfall({ store: options.store, runId })
    if (waterfall === undefined) sendJsonError(response, { status: 404, message: 'the store holds no span of this run', head })
    else sendJson(response, 200, waterfall, head)
  } else if (pathname.startsWith('/ui/assets/')) {
    const asset = await uiAsset(pathname.slice('/ui/assets/'.length))
    if (asset === undefined) sendText(response, 404, 'no such asset', head)
    else sendUi(response, { status: 200, contentType: asset.contentType, body: asset.body, head })
  } else if (pathname.startsWith('/ui/api/')) {
    sendJsonError(response, { status: 404, message: 'no such endpoint: the web view answers /ui/api/overview, /ui/api/runs and /ui/api/runs/<run id>', head })
  } else {
    sendText(response, 404, 'no such page: the web view has /ui/, /ui/runs and /ui/runs/<run id>', head)
  }
}

function sendHtml(response: ServerResponse, html: string, head: boolean): void {
  sendUi(response, { status: 200, contentType: 'text/html; charset=utf-8', body: html, head })
}

async function budgetStatuses(options: UiOptions): Promise<readonly BudgetStatus[]> {
  if (options.budgetStatus !== undefined) return options.budgetStatus()
  if (options.budgets === undefined || options.budgets.length === 0) return []
  const ledger = createBudgetLedger({ budgets: options.budgets, source: createSpendSource({ store: options.store }) })
  try {
    await ledger.refresh()
    return ledger.status()
  } finally {
    await ledger.close()
  }
}

function answerFailure(options: { error: unknown; pathname: string; response: ServerResponse; head: boolean }): void {
  const { error, pathname, response, head } = options
  const api = pathname.startsWith('/ui/api/')
  if (isReportRequestError(error)) {
    if (api) sendJsonError(response, { status: 400, message: error.message, parameter: error.option, head })
    else sendText(response, 400, error.message, head)
    return
  }
  diag.error(`switchyard ui: ${pathname.slice(0, 100)} failed: ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : 'unknown error'}`)
  if (response.headersSent) {
    response.destroy()
    return
  }
  if (api) sendJsonError(response, { status: 503, message: storeFailureMessage, head })
  else sendText(response, 503, storeFailureMessage, head)
}

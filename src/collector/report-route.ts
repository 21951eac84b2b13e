import type { IncomingMessage, ServerResponse } from 'node:http'
import { handleReportRequest } from '../report/handle-report-request.js'
import type { Store } from '../store/create-store.js'

/**
 * Every option of a report at its longest (four tag groupings, a workflow name of
 * 256 characters, percent-encoded) fits in 4 KiB; 8 KiB leaves room. Node itself
 * stops request heads at 16 KiB (431), so this is the endpoint's own, clearer limit.
 */
export const maxReportUrlLength = 8 * 1024

/**
 * `GET /v1/report`: the report for `switchyard report --collector` while this
 * collector owns the embedded store. The options are query parameters, checked by
 * handleReportRequest; a URL past the limit is a 414 before anything is parsed.
 */
export async function serveReportRequest(options: { request: IncomingMessage; response: ServerResponse; store: Store }): Promise<void> {
  const { request, response, store } = options
  const target = request.url ?? '/'
  if (target.length > maxReportUrlLength) {
    response.writeHead(414, { 'content-type': 'application/json; charset=utf-8' })
    response.end(`${JSON.stringify({ error: `the URL of /v1/report is ${target.length} characters long, over the limit of ${maxReportUrlLength}` })}\n`)
    return
  }
  const answer = await handleReportRequest({ store, searchParams: new URL(target, 'http://collector').searchParams })
  response.writeHead(answer.status, { 'content-type': answer.contentType })
  response.end(answer.body)
}

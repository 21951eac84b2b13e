import type { IncomingMessage, ServerResponse } from 'node:http'
import { handleSpendRequest } from '../src/budget/index.js'
import type { Store } from '../src/store/create-store.js'
import { readRequestBody, RequestBodyError } from './read-request-body.js'

/** A form body of 10,000 span ids and a match is about 190 KB. */
const maxFormBytes = 1024 * 1024

/**
 * `/v1/spend`: settled spend for routers whose budgets read this collector's
 * embedded store. `GET` takes the parameters in the URL; `POST` takes the same
 * parameters as an `application/x-www-form-urlencoded` body, which is how routers
 * send many span ids (a URL is too short for them). Every problem is answered
 * with a JSON `{ error }` naming it.
 */
export async function serveSpendRequest(options: { request: IncomingMessage; response: ServerResponse; store: Store }): Promise<void> {
  const { request, response, store } = options
  const url = new URL(request.url ?? '/', 'http://collector')
  let searchParams = url.searchParams
  if (request.method === 'POST') {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (contentType !== 'application/x-www-form-urlencoded') {
      return sendJson(response, 415, { error: `POST /v1/spend takes an application/x-www-form-urlencoded body (got ${JSON.stringify(contentType || 'none')})` })
    }
    if (url.search !== '') return sendJson(response, 400, { error: 'POST /v1/spend takes its parameters in the body only, not in the URL' })
    try {
      searchParams = new URLSearchParams((await readRequestBody(request, maxFormBytes)).toString('utf8'))
    } catch (error) {
      if (!(error instanceof RequestBodyError)) throw error
      return sendJson(response, error.status, { error: error.message }, { connection: 'close' })
    }
  } else if (request.method !== 'GET') {
    return sendJson(response, 405, { error: 'use GET or POST for /v1/spend' }, { allow: 'GET, POST' })
  }
  const answer = await handleSpendRequest({ store, searchParams })
  sendJson(response, answer.status, answer.body)
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

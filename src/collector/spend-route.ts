import type { IncomingMessage, ServerResponse } from 'node:http'
import { handleSpendRequest } from '../budget/spend-request-handler.js'
import type { Store } from '../store/create-store.js'
import type { BodyMemoryBudget } from './body-memory-budget.js'
import { readRequestBody, RequestBodyError } from './read-request-body.js'

/**
 * A form body of 10,000 span ids (each id and its `%2C` is 19 bytes) is about 190 KB;
 * the match, with 16 tags whose keys and values are percent-encoded UTF-8 at their
 * longest, adds at most about 60 KB more. Anything past this is not a router's refresh.
 */
export const maxSpendFormBytes = 256 * 1024

/**
 * A match of long patterns fits in 8 KiB; span ids go in a POST body. Node itself
 * stops request heads at 16 KiB (431), so this is the endpoint's own, clearer limit.
 */
export const maxSpendUrlLength = 8 * 1024

/**
 * `/v1/spend`: settled spend for routers whose budgets read this collector's
 * embedded store. `GET` takes the parameters in the URL; `POST` takes the same
 * parameters as an `application/x-www-form-urlencoded` body, which is how routers
 * send many span ids (a URL is too short for them). Every problem is answered
 * with a JSON `{ error }` naming it; the bounds of each parameter are checked in
 * one pass over them (src/budget/spend-request-params.ts).
 */
export async function serveSpendRequest(options: {
  request: IncomingMessage
  response: ServerResponse
  store: Store
  /** The collector's bound on body bytes held by all requests being read; a form counts too. */
  bodyMemory?: BodyMemoryBudget
}): Promise<void> {
  const { request, response, store } = options
  const target = request.url ?? '/'
  if (target.length > maxSpendUrlLength) {
    const advice = request.method === 'POST' ? 'give the parameters in the body only' : 'POST the parameters as a form body instead'
    return sendJson(response, 414, { error: `the URL of /v1/spend is ${target.length} characters long, over the limit of ${maxSpendUrlLength}: ${advice}` }, { connection: 'close' })
  }
  const url = new URL(target, 'http://collector')
  let searchParams = url.searchParams
  if (request.method === 'POST') {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (contentType !== 'application/x-www-form-urlencoded') {
      return sendJson(response, 415, { error: `POST /v1/spend takes an application/x-www-form-urlencoded body (got ${JSON.stringify(contentType.slice(0, 100) || 'none')})` })
    }
    if (url.search !== '') return sendJson(response, 400, { error: 'POST /v1/spend takes its parameters in the body only, not in the URL' })
    const memory = options.bodyMemory?.lease()
    try {
      searchParams = new URLSearchParams((await readRequestBody(request, { maxBytes: maxSpendFormBytes, memory })).toString('utf8'))
    } catch (error) {
      if (!(error instanceof RequestBodyError)) throw error
      const retryAfter: Record<string, string> = error.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) }
      return sendJson(response, error.status, { error: error.message }, { connection: 'close', ...retryAfter })
    } finally {
      // The form is parsed (or refused): its bytes are no longer held.
      memory?.release()
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

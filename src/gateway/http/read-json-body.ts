import type { IncomingMessage } from 'node:http'
import { readRequestBody, RequestBodyError } from '../../collector/read-request-body.js'
import { GatewayError } from '../gateway-error.js'

/**
 * Read and parse a JSON request body of at most `maxBytes`: refused with a 413 on a
 * Content-Length over the bound before anything is read, and as soon as the bytes read
 * pass it (gzip and deflate bodies are counted after decompression too). Malformed
 * JSON is a 400 that says where it broke, without quoting the body.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = request.headers['content-type']
  if (type !== undefined && !/^application\/(.+\+)?json\b/i.test(type.trim())) {
    throw new GatewayError({ status: 400, code: 'request_invalid', message: `content-type must be application/json, got ${JSON.stringify(type.slice(0, 64))}`, param: 'content-type' })
  }
  let body: Buffer
  try {
    body = (await bufferedBody(request, maxBytes)) ?? await readRequestBody(request, maxBytes)
  } catch (error) {
    if (!RequestBodyError.isInstance(error)) throw error
    const tooLarge = error.status === 413
    throw new GatewayError({
      status: tooLarge ? 413 : 400,
      code: tooLarge ? 'request_too_large' : 'request_invalid',
      message: error.message,
      param: 'body',
      cause: error,
    })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8')) as unknown
  } catch (error) {
    const where = error instanceof SyntaxError ? error.message.replace(/"(?:[^"\\]|\\.)*"/g, '…').slice(0, 200) : 'unreadable'
    throw new GatewayError({ status: 400, code: 'request_invalid', message: `body: not valid JSON (${where})`, param: 'body' })
  }
  refuseDeepNesting(parsed)
  return parsed
}

/**
 * The whole body when it is in the request's buffer already, else undefined (read it as a
 * stream). A chat request's body nearly always comes in the packets of its headers: one
 * microtask after the request event, Node's parser has put all of it in the buffer (the
 * declared Content-Length is there, or the request is complete), though the stream's
 * `end` is still to come. Taking it in one `read()` skips the stream's flowing mode (its
 * `data` and `end` events and their ticks), about 20 µs a request. Only a plain body
 * within `maxBytes` is taken here; a compressed, larger or unfinished one takes the
 * streaming read with its limits and its errors.
 */
async function bufferedBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  await undefined
  const buffered = request.readableLength
  if (request.readableFlowing === true || buffered > maxBytes) return undefined
  const encoding = request.headers['content-encoding']
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return undefined
  const declared = request.headers['content-length']
  // The parser never passes on more than the declared length: once that much is buffered, the body is whole.
  const whole = declared === undefined ? request.complete : Number(declared) === buffered
  if (!whole) return undefined
  const body: unknown = request.read()
  // `read()` gives every buffered byte at once as one Buffer, or null when the body is empty.
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0)
}

/**
 * The deepest a body may nest. JSON.parse takes any depth, but what comes after (a
 * provider's JSON.stringify, a schema walk) recurses, and a body of 100,000 nested
 * arrays would overflow the stack there as a 502; no real request nests this deep.
 */
const maxDepth = 64

/** Refuse a body nested deeper than maxDepth with a 400 naming its top-level field; iterative, so the check cannot overflow. */
function refuseDeepNesting(body: unknown): void {
  // A body that is not an object is refused by the endpoint's parser, naming `body`.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return
  for (const [field, value] of Object.entries(body)) {
    const pending: Array<{ value: object; depth: number }> = []
    if (typeof value === 'object' && value !== null) pending.push({ value, depth: 2 })
    for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
      if (item.depth > maxDepth) {
        const param = field.slice(0, 128)
        throw new GatewayError({ status: 400, code: 'request_invalid', message: `${param}: nests deeper than ${maxDepth} levels`, param })
      }
      for (const child of Object.values(item.value)) {
        if (typeof child === 'object' && child !== null) pending.push({ value: child as object, depth: item.depth + 1 })
      }
    }
  }
}

import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { postRaw, rawExchange, type HostileAnswer } from './hostile-client.js'
import { startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

/*
 * Request bodies as an attacker would send them: past the size bound (announced,
 * compressed), right at it, at the message-count bound, nested deep, with wrong types
 * deep inside, in bytes that are not UTF-8. Each gets its status and an error naming
 * the field; the gateway keeps serving (every test ends with a good request), refused
 * requests never reach the upstream, and the virtual key is never echoed or stored.
 */

let upstream: ScriptedUpstream
let gateway: Gateway
const directory = makeTempDirectory('gateway-hostile-input')
const probe = createVirtualKey()
const maxBodyBytes = 1024 * 1024
const answers: HostileAnswer[] = []
let upstreamBefore = 0

beforeAll(async () => {
  upstream = await startScriptedUpstream()
  const config = testConfig(upstream.url, { gateway: { maxBodyBytes, keys: [{ name: 'probe', hash: probe.hash }] } })
  gateway = await startTestGateway(directory.path, { config })
}, 60_000)

afterEach(async () => {
  // Whatever came before, the gateway still serves a good request.
  const good = await post(JSON.stringify(chat()))
  expect(good.status).toBe(200)
})

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

function chat(more: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'fast', messages: [{ role: 'user', content: 'hi' }], ...more }
}

async function post(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<HostileAnswer> {
  upstreamBefore = upstream.requests.length
  const answer = await postRaw(`${gateway.url}/v1/chat/completions`, body, { authorization: `Bearer ${probe.key}`, 'content-type': 'application/json', ...headers })
  answers.push(answer)
  return answer
}

function expectRefused(answer: HostileAnswer, status: number, param: string): void {
  expect(answer.status, answer.text).toBe(status)
  expect(answer.error?.param).toBe(param)
  expect(answer.error?.type).toBe('invalid_request_error')
  expect(upstream.requests.length).toBe(upstreamBefore)
}

/**
 * A chat body of exactly `bytes` bytes, padded in the user's text, for a model with no
 * known context window (gpt-4o-mini's 128k tokens would skip a 1 MiB prompt).
 */
function bodyOfBytes(bytes: number): string {
  const padded = (text: string): string => JSON.stringify(chat({ model: 'up/long-context', messages: [{ role: 'user', content: text }] }))
  return padded('x'.repeat(bytes - padded('').length))
}

describe('bodies past the bounds', () => {
  it('answers a 50 MB body announced by Content-Length with 413 before a byte of it is sent', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${probe.key}\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`
    upstreamBefore = upstream.requests.length
    const exchange = await rawExchange(gateway.port, [head], { waitMs: 2_000 })
    expect(exchange.status).toBe(413)
    expect(exchange.received).toContain('request_too_large')
    expect(exchange.received).not.toContain(probe.key)
    expect(upstream.requests.length).toBe(upstreamBefore)
  })

  it('answers a gzip bomb (50 MB of zeros in 50 KB) with 413 once the inflated bytes pass the bound', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"model":"fast","messages":[{"role":"user","content":"'), Buffer.alloc(50 * 1024 * 1024, 0x30)]))
    expect(bomb.byteLength).toBeLessThan(maxBodyBytes)
    expectRefused(await post(bomb, { 'content-encoding': 'gzip' }), 413, 'body')
  })

  it('serves a body of exactly maxBodyBytes and refuses one byte more', async () => {
    const fits = bodyOfBytes(maxBodyBytes)
    expect(Buffer.byteLength(fits)).toBe(maxBodyBytes)
    const served = await post(fits)
    expect(served.status, served.text).toBe(200)
    expect(upstream.requests.length).toBe(upstreamBefore + 1)
    expectRefused(await post(bodyOfBytes(maxBodyBytes + 1)), 413, 'body')
  })

  it('serves 10,000 messages, the bound, and refuses 10,001 naming messages', async () => {
    const many = (count: number): Array<{ role: string; content: string }> => Array.from({ length: count }, (_, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: 'm' }))
    const served = await post(JSON.stringify(chat({ messages: many(10_000) })))
    expect(served.status, served.text).toBe(200)
    expect((JSON.parse(upstream.requests.at(-1)!.body) as { messages: unknown[] }).messages).toHaveLength(10_000)
    expectRefused(await post(JSON.stringify(chat({ messages: many(10_001) }))), 400, 'messages')
  })

  const depth = 100_000
  const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`
  const deepObject = `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`
  it.each([
    ['a pass-through field', `${JSON.stringify(chat()).slice(0, -1)},"metadata":${deepArray}}`, 'metadata'],
    ['a tool\'s parameters', `${JSON.stringify(chat()).slice(0, -1)},"tools":[{"type":"function","function":{"name":"f","parameters":${deepObject}}}]}`, 'tools'],
    ['a response schema', `${JSON.stringify(chat()).slice(0, -1)},"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":${deepObject}}}}`, 'response_format'],
  ])('refuses %s nested 100,000 levels deep with a 400 naming it, without crashing', async (_what, body, param) => {
    expectRefused(await post(body), 400, param)
  })
})

describe('wrong shapes', () => {
  it.each([
    ['[]', 'body'],
    ['"a string"', 'body'],
    ['null', 'body'],
    ['1e999', 'body'],
    [JSON.stringify(chat({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: { a: 1 } } }] }] })), 'messages.0.tool_calls.0.function.arguments'],
    [JSON.stringify(chat({ messages: [{ role: 'tool', tool_call_id: 7, content: 'x' }] })), 'messages.0.tool_call_id'],
    [JSON.stringify(chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: 'http://x' }] }] })), 'messages.0.content.1.image_url'],
    [JSON.stringify(chat({ tools: [{ type: 'function', function: { name: 'f', parameters: 'not a schema' } }] })), 'tools.0.function.parameters'],
    [JSON.stringify(chat({ response_format: { type: 'json_schema', json_schema: { name: 'n', schema: [] } } })), 'response_format.json_schema.schema'],
    [JSON.stringify(chat({ stream: 'yes' })), 'stream'],
    [JSON.stringify(chat({ tool_choice: 42 })), 'tool_choice'],
    [JSON.stringify(chat({ messages: [{ role: 'user', content: 'hi', tool_call_id: 'x' }] })), 'messages.0.tool_call_id'],
    [JSON.stringify(chat({ messages: [{ role: 'user', content: 'hi', injected: true }] })), 'messages.0.injected'],
  ])('refuses %s with a 400 naming %s', async (body, param) => {
    expectRefused(await post(body), 400, param)
  })

  it('takes the last of two model fields, as JSON.parse does, and names it when unknown', async () => {
    const answer = await post('{"model":"fast","model":"http://127.0.0.1:1/v1","messages":[{"role":"user","content":"hi"}]}')
    expectRefused(answer, 404, 'model')
    expect(answer.error?.code).toBe('model_not_found')
  })
})

describe('the other endpoints', () => {
  async function postTo(endpoint: string, body: string): Promise<HostileAnswer> {
    upstreamBefore = upstream.requests.length
    const answer = await postRaw(`${gateway.url}${endpoint}`, body, { 'x-api-key': probe.key, 'content-type': 'application/json' })
    answers.push(answer)
    return answer
  }

  it('answers /v1/messages in Anthropic\'s error shape: too deep, too large, no key', async () => {
    const deep = await postTo('/v1/messages', `{"model":"fast","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)
    expect(deep.status).toBe(400)
    expect(JSON.parse(deep.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect((JSON.parse(deep.text) as { error: { message: string } }).error.message).toContain('metadata')
    const large = await postTo('/v1/messages', bodyOfBytes(maxBodyBytes + 1))
    expect(large.status).toBe(413)
    expect(JSON.parse(large.text)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
    const keyless = await postRaw(`${gateway.url}/v1/messages`, '{}', { 'content-type': 'application/json' })
    expect(keyless.status).toBe(401)
    expect(JSON.parse(keyless.text)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    expect(upstream.requests.length).toBe(upstreamBefore)
  })

  it('refuses 2,049 embedding inputs naming input, and a number among them naming its index', async () => {
    expectRefused(await postTo('/v1/embeddings', JSON.stringify({ model: 'up/text-embedding-3-small', input: Array.from({ length: 2049 }, () => 'a') })), 400, 'input')
    expectRefused(await postTo('/v1/embeddings', JSON.stringify({ model: 'up/text-embedding-3-small', input: ['a', 7] })), 400, 'input.1')
  })
})

describe('bytes that are not UTF-8', () => {
  it('refuses invalid UTF-8 where JSON needs structure, and sends it on as U+FFFD where it is text', async () => {
    const broken = Buffer.concat([Buffer.from('{"model":"fast",'), Buffer.from([0xff, 0xfe]), Buffer.from('"messages":[]}')])
    expectRefused(await post(broken), 400, 'body')
    const inText = Buffer.concat([Buffer.from('{"model":"fast","messages":[{"role":"user","content":"a'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('b"}]}')])
    const answer = await post(inText)
    // Decoded as UTF-8 with each bad sequence replaced by U+FFFD, as WHATWG decoders do.
    expect(answer.status, answer.text).toBe(200)
    const sent = (JSON.parse(upstream.requests.at(-1)!.body) as { messages: Array<{ content: string }> }).messages[0]!.content
    expect(sent).toBe('a\uFFFD(\uFFFDb')
  })
})

describe('the virtual key', () => {
  it('is never echoed in an answer, sent upstream, or stored, even when sent in the query string too', async () => {
    const inQuery = await postRaw(`${gateway.url}/v1/chat/completions?api_key=${probe.key}&key=${probe.key}`, JSON.stringify(chat()), { authorization: `Bearer ${probe.key}`, 'content-type': 'application/json' })
    expect(inQuery.status).toBe(200)
    answers.push(inQuery)
    for (const answer of answers) {
      expect(answer.text).not.toContain(probe.key)
      expect(JSON.stringify(answer.headers)).not.toContain(probe.key)
    }
    for (const request of upstream.requests) expect(request.url + JSON.stringify(request.headers) + request.body).not.toContain(probe.key)
    // Let the pipeline write what this file sent, then search every stored column that holds text.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const result = await gateway.store.client.query({
      query: `SELECT
        (SELECT count() FROM otel_traces) AS spans,
        (SELECT countIf(position(concat(SpanName, toString(SpanAttributes), toString(ResourceAttributes), StatusMessage, toString(Events.Attributes)), {key:String}) > 0) FROM otel_traces) AS withKey,
        (SELECT countIf(position(toString(Tags), {key:String}) > 0) FROM llm_calls) AS callsWithKey`,
      query_params: { key: probe.key },
      format: 'JSONEachRow',
    })
    const [row] = await result.json<{ spans: string | number; withKey: string | number; callsWithKey: string | number }>()
    expect(Number(row?.spans)).toBeGreaterThan(0)
    expect(Number(row?.withKey)).toBe(0)
    expect(Number(row?.callsWithKey)).toBe(0)
  })
})

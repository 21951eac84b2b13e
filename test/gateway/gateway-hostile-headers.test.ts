import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { postRaw, rawExchange, type HostileAnswer } from './hostile-client.js'
import { startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

/*
 * Headers, models and keys as an attacker would send them: trying to pick the
 * upstream URL, walking paths through `model`, oversized and injected tag headers,
 * bytes that are not UTF-8, a 10 KB wrong key, and clients that send a request so
 * slowly it would hold a connection forever. Each gets its status and an error naming
 * what was wrong; nothing refused reaches the upstream, nothing at all reaches the
 * attacker's server, and a good request afterwards is served.
 */

let upstream: ScriptedUpstream
/** A server an attacker would like the gateway to call. */
let elsewhere: ScriptedUpstream
let gateway: Gateway
const directory = makeTempDirectory('gateway-hostile-headers')
const probe = createVirtualKey()
/** Small, so a slow client is cut off within the test's time. */
const requestTimeoutMs = 1_000
let upstreamBefore = 0

beforeAll(async () => {
  upstream = await startScriptedUpstream()
  elsewhere = await startScriptedUpstream()
  const config = testConfig(upstream.url, {
    providers: {
      up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` },
      gem: { type: 'gemini', apiKey: 'gm-upstream', baseURL: upstream.url },
    },
    gateway: { requestTimeoutMs, keys: [{ name: 'probe', hash: probe.hash }] },
  })
  gateway = await startTestGateway(directory.path, { config })
}, 60_000)

afterEach(async () => {
  expect(elsewhere.requests).toHaveLength(0)
  const good = await post(JSON.stringify(chat()))
  expect(good.status, good.text).toBe(200)
})

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  await elsewhere?.close()
  directory.remove()
}, 60_000)

function chat(more: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'fast', messages: [{ role: 'user', content: 'hi' }], ...more }
}

async function post(body: string, headers: Record<string, string> = {}): Promise<HostileAnswer> {
  upstreamBefore = upstream.requests.length
  const answer = await postRaw(`${gateway.url}/v1/chat/completions`, body, { authorization: `Bearer ${probe.key}`, 'content-type': 'application/json', ...headers })
  expect(answer.text).not.toContain(probe.key)
  return answer
}

function expectRefused(answer: HostileAnswer, status: number, param: string): void {
  expect(answer.status, answer.text).toBe(status)
  expect(answer.error?.param).toBe(param)
  expect(upstream.requests.length).toBe(upstreamBefore)
}

/** The head of a raw request to the chat endpoint with the probe's key and these extra header lines. */
function rawHead(extraLines: string[], contentLength: number): string {
  return ['POST /v1/chat/completions HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${probe.key}`, 'Content-Type: application/json', `Content-Length: ${contentLength}`, ...extraLines, '', ''].join('\r\n')
}

describe('choosing the upstream', () => {
  it('ignores every body field and header that would set the upstream URL', async () => {
    const target = elsewhere.url
    const answer = await post(JSON.stringify(chat({ base_url: target, api_base: target, baseURL: target, custom_host: target })), {
      'x-portkey-custom-host': target,
      'x-portkey-config': JSON.stringify({ custom_host: target }),
      'x-litellm-api-base': target,
      'api-base': target,
      'x-switchyard-base-url': target,
      'x-forwarded-host': new URL(target).host,
      forwarded: `host=${new URL(target).host}`,
    })
    expect(answer.status, answer.text).toBe(200)
    const sent = upstream.requests.at(-1)!
    expect(sent.url).toBe('/v1/chat/completions')
    expect(Object.keys(sent.headers).filter((name) => /portkey|litellm|api-base|switchyard|forwarded/.test(name))).toEqual([])
  })

  it.each([
    'http://127.0.0.1:1/v1',
    '../fast',
    '/fast',
    'fast/../smart',
  ])('answers model %j with a 404 naming the model', async (model) => {
    const answer = await post(JSON.stringify(chat({ model })))
    expectRefused(answer, 404, 'model')
    expect(answer.error?.code).toBe('model_not_found')
  })

  it('keeps a provider/model with path segments inside the provider\'s own model path', async () => {
    await post(JSON.stringify(chat({ model: 'up/../../admin' })))
    expect(upstream.requests.at(-1)!.url).toBe('/v1/chat/completions')
    await post(JSON.stringify(chat({ model: 'gem/../../../v1beta/files?key=x#' })))
    const geminiUrl = upstream.requests.at(-1)!.url
    expect(geminiUrl.startsWith('/v1beta/models/')).toBe(true)
    expect(geminiUrl).not.toMatch(/\/\.\.\/|\/files|\?key=x/)
  })
})

describe('tag headers', () => {
  it('refuses 33 tags naming the header', async () => {
    const tags = Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`x-switchyard-tag-t${index}`, 'v']))
    expectRefused(await post(JSON.stringify(chat()), tags), 400, 'header x-switchyard-tag-*')
  })

  it('refuses a 257-character value and a 65-character name, each naming the header', async () => {
    expectRefused(await post(JSON.stringify(chat()), { 'x-switchyard-tag-team': 'v'.repeat(257) }), 400, 'header x-switchyard-tag-team')
    const name = `x-switchyard-tag-${'n'.repeat(65)}`
    expectRefused(await post(JSON.stringify(chat()), { [name]: 'v' }), 400, `header ${name}`)
  })

  it('answers headers past 16 KB in all with 431 before the gateway sees them', async () => {
    const tags = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`x-switchyard-tag-t${index}`, 'v'.repeat(1_000)]))
    upstreamBefore = upstream.requests.length
    const answer = await postRaw(`${gateway.url}/v1/chat/completions`, JSON.stringify(chat()), { authorization: `Bearer ${probe.key}`, ...tags })
    expect(answer.status).toBe(431)
    expect(upstream.requests.length).toBe(upstreamBefore)
  })

  it('refuses a CR or a control character smuggled into a tag, and never writes it into an answer header', async () => {
    upstreamBefore = upstream.requests.length
    const body = JSON.stringify(chat())
    const bareCr = await rawExchange(gateway.port, [rawHead(['X-Switchyard-Tag-Team: a\rX-Evil: 1'], body.length) + body], { waitMs: 2_000 })
    expect(bareCr.status).toBe(400)
    const control = await rawExchange(gateway.port, [rawHead(['X-Switchyard-Tag-Team: a\u0001b'], body.length) + body], { waitMs: 2_000 })
    expect(control.status).toBe(400)
    for (const exchange of [bareCr, control]) expect(exchange.received.toLowerCase()).not.toContain('x-evil')
    expect(upstream.requests.length).toBe(upstreamBefore)
    // Percent-encoded in baggage, the CR/LF is decoded and then refused by name.
    const baggage = await post(body, { baggage: 'switchyard.tag.team=a%0D%0AX-Evil%3A%201' })
    expectRefused(baggage, 400, 'baggage switchyard.tag.team')
    expect(Object.keys(baggage.headers)).not.toContain('x-evil')
  })

  it('takes bytes that are not UTF-8 in a tag as Latin-1 text, without failing the request', async () => {
    const body = JSON.stringify(chat())
    const head = Buffer.concat([Buffer.from(rawHead(['Connection: close'], body.length).slice(0, -2), 'latin1'), Buffer.from('X-Switchyard-Tag-Team: '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\r\n\r\n')])
    upstreamBefore = upstream.requests.length
    const exchange = await rawExchange(gateway.port, [head, body], { waitMs: 2_000 })
    expect(exchange.status).toBe(200)
    expect(upstream.requests.length).toBe(upstreamBefore + 1)
  })
})

describe('request smuggling', () => {
  it.each([
    ['Content-Length with Transfer-Encoding: chunked', ['Transfer-Encoding: chunked']],
    ['two different Content-Lengths', ['Content-Length: 3']],
    ['an obfuscated Transfer-Encoding', ['Transfer-Encoding: xchunked']],
  ])('refuses %s with 400 and closes the connection', async (_what, extraLines) => {
    upstreamBefore = upstream.requests.length
    const body = JSON.stringify(chat())
    // A second request hidden in the body: if the framing were misread, it would be served.
    const hidden = `${rawHead([], body.length)}${body}`
    const exchange = await rawExchange(gateway.port, [rawHead(extraLines, body.length) + body + hidden], { waitMs: 2_000 })
    expect(exchange.status).toBe(400)
    expect(exchange.received.match(/HTTP\/1\.1 /g)).toHaveLength(1)
    expect(exchange.closedAfterMs).toBeDefined()
    expect(upstream.requests.length).toBe(upstreamBefore)
  })
})

describe('keys', () => {
  it('answers a 10 KB wrong key with 401, quoting none of it', async () => {
    const wrong = `sy-${'A'.repeat(10 * 1024)}`
    const attempts: Array<Record<string, string>> = [{ authorization: `Bearer ${wrong}` }, { 'x-api-key': wrong }]
    for (const headers of attempts) {
      upstreamBefore = upstream.requests.length
      const answer = await postRaw(`${gateway.url}/v1/chat/completions`, JSON.stringify(chat()), { 'content-type': 'application/json', ...headers })
      expect(answer.status).toBe(401)
      expect(answer.error?.code).toBe('unauthorized')
      expect(answer.text).not.toContain('AAAAAAAA')
      expect(upstream.requests.length).toBe(upstreamBefore)
    }
  })
})

describe('slow clients', () => {
  it(`closes a connection whose headers trickle in for longer than gateway.requestTimeoutMs (${requestTimeoutMs} ms)`, async () => {
    const head = rawHead([], 2)
    // Bounded: one byte every 100 ms, at most the head's ~170 bytes (17 s); the server must close long before.
    const exchange = await rawExchange(gateway.port, head.split(''), { gapMs: 100, waitMs: 500 })
    expect(exchange.closedAfterMs, exchange.received).toBeDefined()
    expect(exchange.closedAfterMs!).toBeLessThan(requestTimeoutMs + 2_500)
  }, 30_000)

  it(`closes a connection whose body trickles in for longer than gateway.requestTimeoutMs (${requestTimeoutMs} ms)`, async () => {
    upstreamBefore = upstream.requests.length
    const body = JSON.stringify(chat())
    // Bounded: the head, then one byte every 100 ms, at most the body's length (~6 s).
    const exchange = await rawExchange(gateway.port, [rawHead([], body.length), ...body.split('')], { gapMs: 100, waitMs: 500 })
    expect(exchange.closedAfterMs, exchange.received).toBeDefined()
    expect(exchange.closedAfterMs!).toBeLessThan(requestTimeoutMs + 2_500)
    expect(upstream.requests.length).toBe(upstreamBefore)
  }, 30_000)
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway, testConfig } from './start-test-gateway.js'

const directory = makeTempDirectory('gateway-web-view')
const { key, hash } = createVirtualKey()
let upstream: ProviderServer
let gateway: Gateway

beforeAll(async () => {
  upstream = await startProviderServer()
  gateway = await startTestGateway(directory.path, { config: testConfig(upstream.url, { gateway: { keys: [{ name: 'team-a', hash }] } }) })
}, 60_000)

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

function basic(password: string): string {
  return `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}`
}

describe('the web view served by the gateway, behind its virtual keys', () => {
  it('asks a browser for the key with HTTP Basic, and serves the page to the key given as its password', async () => {
    const refused = await fetch(`${gateway.url}/ui/`)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
    const wrong = await fetch(`${gateway.url}/ui/`, { headers: { authorization: basic('sy-not-a-key') } })
    expect(wrong.status).toBe(401)
    const page = await fetch(`${gateway.url}/ui/`, { headers: { authorization: basic(key) } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const text = await page.text()
    expect(text).not.toContain(key)
  })

  it('lists a run made through the gateway in /ui/api/runs, for a script with the bearer key', async () => {
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    const call = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-switchyard-workflow': 'web-view-check', 'x-switchyard-run-id': 'run-web-view-1' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(call.status).toBe(200)
    const runs = await fetch(`${gateway.url}/ui/api/runs/run-web-view-1`, { headers: { authorization: `Bearer ${key}` } })
    // The spans reach the store through the in-process pipeline shortly after the answer.
    let waterfall: unknown
    for (let attempt = 0; attempt < 50 && waterfall === undefined; attempt += 1) {
      const answer = attempt === 0 ? runs : await fetch(`${gateway.url}/ui/api/runs/run-web-view-1`, { headers: { authorization: `Bearer ${key}` } })
      if (answer.status === 200) waterfall = await answer.json()
      else await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(JSON.stringify(waterfall)).toContain('gpt-4o-mini')
  })
})

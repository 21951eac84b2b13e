import { writeFileSync } from 'node:fs'
import path from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { startTestGateway } from './start-test-gateway.js'

let upstream: ProviderServer
let gateway: Gateway
let client: OpenAI
const directory = makeTempDirectory('gateway-reload-budget')
const configPath = path.join(directory.path, 'switchyard.config.json')

function writeConfig(limitUsd: string): void {
  writeFileSync(configPath, JSON.stringify({
    providers: { up: { type: 'openai', apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1` } },
    routes: { fast: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }], retry: { attempts: 1 } } },
    // gpt-4o-mini's worst case at max_tokens 1000 is about $0.0006: one call fits in $0.001, two do not.
    budgets: [{ name: 'all', window: '1h', limitUsd }],
  }))
}

beforeAll(async () => {
  upstream = await startProviderServer()
  writeConfig('0.001')
  gateway = await startTestGateway(directory.path, { config: await loadConfig(configPath), configPath })
  client = new OpenAI({ apiKey: 'unused', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
}, 60_000)

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  directory.remove()
}, 60_000)

const ask = { model: 'fast', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 1000 }

describe('budgets across a reload', () => {
  it('keeps the reservation of a call in flight when the budgets did not change', async () => {
    upstream.reply({ delayMs: 1_000, body: fixtureJson('openai/chat-completion.json') })
    const inFlight = client.chat.completions.create(ask)
    for (let round = 0; round < 100 && upstream.requests.length === 0; round += 1) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(upstream.requests).toHaveLength(1)
    expect((await gateway.reload()).ok).toBe(true)
    const refused = await client.chat.completions.create(ask).catch((caught: unknown) => caught)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('budget_exceeded')
    expect(upstream.requests).toHaveLength(1)
    await expect(inFlight).resolves.toBeDefined()
  })

  it('starts a new ledger when the budgets changed', async () => {
    writeConfig('1000')
    expect((await gateway.reload()).ok).toBe(true)
    upstream.reply({ body: fixtureJson('openai/chat-completion.json') })
    await expect(client.chat.completions.create(ask)).resolves.toBeDefined()
  })
})

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ConfigError } from '../../src/errors/config-error.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import { startGateway, type Gateway } from '../../src/gateway/start-gateway.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { dashboardsDirectory } from './dashboard-files.js'

// Docker cannot run here: the compose stack's gateway is checked by loading the config
// file it mounts, with the variables compose gives it, and serving a call from it.

const configFile = path.join(dashboardsDirectory, 'switchyard.config.yaml')
const compose = parse(readFileSync(path.join(dashboardsDirectory, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; volumes?: string[] }>
}
const directory = makeTempDirectory('compose-gateway-config')
let gateway: Gateway | undefined

afterAll(async () => {
  await gateway?.close()
  directory.remove()
})

describe('the compose stack\'s gateway', () => {
  it('mounts switchyard.config.yaml where its command reads it, and passes the key hash variable through', () => {
    const service = compose.services.gateway
    expect(service?.command?.slice(0, 3)).toEqual(['gateway', '--config', '/etc/switchyard/switchyard.config.yaml'])
    expect(service?.command).toContain('0.0.0.0')
    expect(service?.volumes).toContain('./switchyard.config.yaml:/etc/switchyard/switchyard.config.yaml:ro')
    expect(service?.environment?.SWITCHYARD_GATEWAY_KEY_HASH).toBe('${SWITCHYARD_GATEWAY_KEY_HASH:-}')
    expect(service?.environment?.CLICKHOUSE_URL).toMatch(/@clickhouse:8123\/otel$/)
  })

  it('refuses to load without the key hash, naming the field and the variable', async () => {
    const error = await loadConfig(configFile, { environment: { CLICKHOUSE_URL: 'http://u:p@clickhouse:8123/otel' } }).catch((caught: unknown) => caught)
    expect(ConfigError.isInstance(error)).toBe(true)
    expect((error as ConfigError).message).toContain('SWITCHYARD_GATEWAY_KEY_HASH')
    expect((error as ConfigError).issues.map((issue) => issue.path)).toContain('gateway.keys.0.hash')
  })

  it('loads with the variables compose sets, and the gateway it starts serves the key printed by `keys create`, spending under its budget', async () => {
    const { key, hash } = createVirtualKey()
    const store = `chdb://${path.join(directory.path, 'store')}`
    const config = await loadConfig(configFile, { environment: { CLICKHOUSE_URL: store, SWITCHYARD_GATEWAY_KEY_HASH: hash } })
    expect(config.store).toBe(store)
    expect(config.gateway.keys.map((entry) => entry.name)).toEqual(['compose'])
    expect(config.budgets.map((budget) => budget.name)).toEqual(['compose-key-daily'])
    // On loopback here; the compose command's 0.0.0.0 is allowed because keys are configured.
    gateway = await startGateway({ config, host: '127.0.0.1', port: 0, queueDirectory: path.join(directory.path, 'queue'), collector: { fsync: 'never' } })
    const call = (authorization: string): Promise<Response> => fetch(`${gateway!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'Which queue takes a refund request?' }] }),
    })
    const refused = await call('Bearer sy-not-the-key')
    expect(refused.status).toBe(401)
    const answered = await call(`Bearer ${key}`)
    expect(answered.status).toBe(200)
    const body = await answered.json() as { choices: { message: { content: string } }[] }
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0)
    expect(Number(answered.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0)
  })
})

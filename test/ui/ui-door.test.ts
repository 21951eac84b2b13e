import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors/config-error.js'
import { createStore, type Store } from '../../src/store/create-store.js'
import { createUiHandler } from '../../src/ui/serve-ui.js'
import { startUiServer, type UiServer } from '../../src/ui/start-ui-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('ui-door')
let store: Store
const started: { close(): Promise<void> }[] = []

beforeAll(async () => {
  store = await createStore({ url: `chdb://${path.join(directory.path, 'data')}` })
})
afterAll(async () => {
  for (const server of started) await server.close()
  await store?.close()
  directory.remove()
})

async function start(options: { host?: string; token?: string }): Promise<UiServer> {
  const server = await startUiServer({ store, port: 0, ...options })
  started.push(server)
  return server
}

describe('switchyard ui server door', () => {
  it('refuses to listen off loopback without a token, naming the host', async () => {
    const attempt = startUiServer({ store, host: '0.0.0.0', port: 0 })
    await expect(attempt).rejects.toSatisfy((error: unknown) => ConfigError.isInstance(error) && /0\.0\.0\.0, off loopback, without a token/.test((error as Error).message))
  })

  it('with a token, answers only requests carrying it, as Bearer or as the Basic password a browser prompts for', async () => {
    const server = await start({ host: '127.0.0.1', token: 'ui-secret-token' })
    const page = `${server.url}/ui/`
    const bare = await fetch(page)
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toMatch(/^Basic realm="switchyard ui"/)
    expect(await bare.text()).not.toContain('ui-secret-token')
    expect((await fetch(page, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await fetch(page, { headers: { authorization: 'Bearer ui-secret-token' } })).status).toBe(200)
    const basic = `Basic ${Buffer.from('anyone:ui-secret-token').toString('base64')}`
    expect((await fetch(page, { headers: { authorization: basic } })).status).toBe(200)
  })

  it('leads / to /ui/ and answers 404 elsewhere', async () => {
    const server = await start({})
    const root = await fetch(`${server.url}/`, { redirect: 'manual' })
    expect(root.status).toBe(302)
    expect(root.headers.get('location')).toBe('/ui/')
    expect((await fetch(`${server.url}/v1/traces`)).status).toBe(404)
  })
})

describe('mounting the web view in another server', () => {
  let server: Server
  let base: string
  beforeAll(async () => {
    const ui = createUiHandler({ store })
    server = createServer((request, response) => {
      ui(request, response).then((served) => {
        if (served) return
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.end('the host server\'s own route')
      }, () => response.destroy())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('serves /ui/ paths and leaves every other path to the host server', async () => {
    const page = await fetch(`${base}/ui/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('data-page="overview"')
    const other = await fetch(`${base}/uix`)
    expect(await other.text()).toBe('the host server\'s own route')
    const redirect = await fetch(`${base}/ui`, { redirect: 'manual' })
    expect(redirect.status).toBe(308)
  })

  it('answers 503 without the store\'s message when the store cannot answer', async () => {
    // This store was never migrated: it has no tables, so every query fails.
    const answer = await fetch(`${base}/ui/api/runs`)
    expect(answer.status).toBe(503)
    const body = await answer.json() as { error: { message: string } }
    expect(body.error.message).toMatch(/the store did not answer/)
    expect(body.error.message).not.toMatch(/UNKNOWN_TABLE|otel_traces/)
  })
})

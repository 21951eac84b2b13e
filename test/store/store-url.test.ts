import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseStoreUrl, redactStoreUrl } from '../../src/store/store-url.js'

const run = promisify(execFile)

describe('store URLs', () => {
  it('resolves chdb:// directories against the working directory and uses the default database', () => {
    expect(parseStoreUrl('chdb://.switchyard/data', '/srv/app')).toEqual({ kind: 'chdb', directory: '/srv/app/.switchyard/data', database: 'default' })
    expect(parseStoreUrl('chdb:///var/lib/switchyard', '/srv/app')).toEqual({ kind: 'chdb', directory: '/var/lib/switchyard', database: 'default' })
  })

  it('takes user, password and database from an http(s) URL', () => {
    expect(parseStoreUrl('https://reader:s%40cret@ch.example:8443/otel')).toEqual({
      kind: 'http', url: 'https://ch.example:8443', database: 'otel', username: 'reader', password: 's@cret',
    })
    expect(parseStoreUrl('http://ch:8123')).toMatchObject({ database: 'default', username: 'default', password: '' })
  })

  it('names what is wrong with a bad URL without echoing a password', () => {
    expect(() => parseStoreUrl('chdb://')).toThrow(/names no directory/)
    expect(() => parseStoreUrl('postgres://u:p@h/db')).toThrow(/scheme postgres: is not supported/)
    expect(() => parseStoreUrl('http://h:8123/bad-name;drop')).toThrow(/not a plain identifier/)
    const error = (() => { try { parseStoreUrl('not a url with hunter2') } catch (caught) { return caught } })()
    expect(String(error)).not.toContain('hunter2')
  })

  it('redacts passwords for logs', () => {
    expect(redactStoreUrl('http://u:topsecret@h:8123/otel')).toBe('http://u:***@h:8123/otel')
    expect(redactStoreUrl('chdb://.switchyard/data')).toBe('chdb://.switchyard/data')
  })

  it('explains how to install the embedded engine when chdb is missing, and still opens http stores', async () => {
    const hook = fileURLToPath(new URL('../fixtures/store/hide-chdb.mjs', import.meta.url))
    const child = fileURLToPath(new URL('../fixtures/store/open-store.ts', import.meta.url))
    const embedded = await run(process.execPath, ['--import', 'tsx', '--import', hook, child, 'chdb:///tmp/switchyard-never-created'])
    expect(embedded.stdout).toMatch(/StoreConfigError: .*optional `chdb` package\) is not installed: run `npm install chdb`/)
    const server = await run(process.execPath, ['--import', 'tsx', '--import', hook, child, 'http://127.0.0.1:1/otel'])
    expect(server.stdout.trim()).toBe('opened http')
  })
})

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collector/collector.js'
import { maxReportUrlLength } from '../../src/collector/report-route.js'
import { maxSpendFormBytes, maxSpendUrlLength } from '../../src/collector/spend-route.js'
import { startTestCollector } from '../helpers/start-test-collector.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

/*
 * The bounds of /v1/spend and /v1/report as a running collector applies them. A form
 * of 100,000 `tag.*` keys used to hold the collector's one thread for 36 s: each
 * parameter was looked up again in the whole list (quadratic), then every key went
 * into the SQL. Now the body has a limit that fits a router's largest refresh, the
 * parameters are read in one pass, and at most 16 tag keys are taken.
 */
const directory = makeTempDirectory('spend-limits')
let collector: Collector

beforeAll(async () => {
  collector = await startTestCollector(directory.path)
})
afterAll(async () => {
  await collector?.close()
  directory.remove()
})

function postForm(body: string): Promise<Response> {
  return fetch(`${collector.url}/v1/spend`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
}

/** `tag.0=x&tag.1=x&...`: distinct keys, about 10 bytes each (8 without their value). */
function tagForm(keys: number, value: string): string {
  return `${Array.from({ length: keys }, (_, index) => `tag.${index.toString(36)}=${value}`).join('&')}&window=1h`
}

async function expectStillServing(): Promise<void> {
  const answer = await fetch(`${collector.url}/v1/spend?workflow=still-serving&window=1h`)
  expect(answer.status).toBe(200)
  expect(await answer.json()).toMatchObject({ spentUsd: '0', window: '1h' })
}

describe('/v1/spend on a running collector', () => {
  it('refuses a form of 100,000 tag keys (about 1 MiB) at its body limit with 413, yet takes a router\'s largest refresh', async () => {
    const body = tagForm(100_000, '')
    expect(body.length).toBeGreaterThan(900_000)
    expect(body.length).toBeLessThanOrEqual(1024 * 1024)
    const answer = await postForm(body)
    expect(answer.status).toBe(413)
    expect(await answer.json()).toEqual({ error: expect.stringMatching(new RegExp(`over the limit of ${maxSpendFormBytes} bytes`)) })
    await expectStillServing()

    // 10,000 span ids and a match: what a router sends at most, about 190 KB.
    const form = new URLSearchParams({
      workflow: 'support-triage',
      step: 'classify',
      'tag.tenant': 'acme',
      from: new Date(Date.now() - 3_600_000).toISOString(),
      recentFrom: new Date(Date.now() - 60_000).toISOString(),
      spanIds: Array.from({ length: 10_000 }, () => randomBytes(8).toString('hex')).join(','),
    })
    expect(form.toString().length).toBeGreaterThan(180_000)
    const refresh = await postForm(form.toString())
    expect(refresh.status).toBe(200)
    expect(await refresh.json()).toMatchObject({ spentUsd: '0', seenSpanIds: [] })
  })

  it('answers a form of 20,000 tag keys under the body limit with 400 naming the 17th tag parameter, and serves the next request', async () => {
    const body = tagForm(20_000, 'x')
    expect(body.length).toBeLessThan(maxSpendFormBytes)
    const answer = await postForm(body)
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({ error: expect.stringMatching(/parameter "tag\.g" is a tag condition past the 16 .* at most 16 tag\.<key> parameters/) })
    await expectStillServing()
  })

  it('answers a GET whose URL is over its limit with 414, pointing to POST', async () => {
    const url = `${collector.url}/v1/spend?window=1h&workflow=${'w'.repeat(maxSpendUrlLength)}`
    const answer = await fetch(url)
    expect(answer.status).toBe(414)
    expect(await answer.json()).toEqual({ error: expect.stringMatching(/over the limit of 8192: POST the parameters as a form body instead/) })
    await expectStillServing()
  })
})

describe('/v1/report on a running collector', () => {
  it('answers a URL over its limit with 414', async () => {
    const answer = await fetch(`${collector.url}/v1/report?since=1h&workflow=${'w'.repeat(maxReportUrlLength)}`)
    expect(answer.status).toBe(414)
    expect(await answer.json()).toEqual({ error: expect.stringMatching(/the URL of \/v1\/report is \d+ characters long, over the limit of 8192/) })
    const report = await fetch(`${collector.url}/v1/report?since=1h`)
    expect(report.status).toBe(200)
    expect(await report.json()).toMatchObject({ kind: 'report', total: { calls: 0 } })
  })
})

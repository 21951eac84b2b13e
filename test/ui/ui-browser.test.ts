import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { RunSummary } from '../../src/ui/list-runs.js'
import { describeWithPart } from '../helpers/external-parts.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { gatewayRun, hostile, openUiFixture, type UiFixture } from './ui-fixture.js'

const screenshots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const wide = { width: 1280, height: 900 }
const narrow = { width: 390, height: 844 }

describeWithPart('chromium', 'the web view in Chromium, after a demo run', (part) => {
  const profile = makeTempDirectory('ui-browser-profile')
  let fixture: UiFixture
  let context: BrowserContext
  let runs: RunSummary[]

  beforeAll(async () => {
    fixture = await openUiFixture({ prefix: 'ui-browser', extraRuns: 1_000 })
    runs = (await (await fetch(`${fixture.server.url}/ui/api/runs?window=1h&limit=1000`)).json() as { runs: RunSummary[] }).runs
    // A fresh profile each run (launchPersistentContext is how playwright takes --user-data-dir).
    context = await chromium.launchPersistentContext(profile.path, { executablePath: part.executable, args: chromiumArgs, headless: true, viewport: wide })
    mkdirSync(screenshots, { recursive: true })
  }, 240_000)
  afterAll(async () => {
    await context?.close()
    await fixture?.close()
    profile.remove()
  })

  /** A page that records every console error, page error, failed request and error status. */
  async function open(pathname: string, options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`))
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`)
    })
    await page.setViewportSize(options.viewport ?? wide)
    await page.emulateMedia({ colorScheme: options.colorScheme ?? 'light' })
    await page.goto(`${fixture.server.url}${pathname}`)
    await page.waitForSelector('main[data-render-ms], main [role="alert"]', { timeout: 30_000 })
    return { page, problems }
  }

  it('draws the overview: the spend chart, both workflows, steps, models and budgets', async () => {
    const { page, problems } = await open('/ui/?window=1h')
    expect(await page.locator('#spend-chart canvas').count()).toBe(1)
    const text = await page.locator('main').innerText()
    for (const expected of ['support-triage', 'coding-assistant', 'Cost per run by step', 'gpt-4.1-mini', 'all-spend-hourly', 'triage-daily']) expect(text).toContain(expected)
    await page.screenshot({ path: path.join(screenshots, 'overview.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('lists the runs of both demo workflows, each linking to its run page', async () => {
    const { page, problems } = await open('/ui/runs?window=1h&limit=25')
    const workflows = await page.locator('table.runs tbody tr td:first-child a').allInnerTexts()
    expect(workflows).toHaveLength(25)
    expect(new Set(workflows)).toEqual(new Set(['support-triage', 'coding-assistant']))
    const href = await page.locator('table.runs tbody tr td:first-child a').first().getAttribute('href')
    expect(href).toMatch(/^\/ui\/runs\/[0-9a-f-]{36}$/)
    await page.screenshot({ path: path.join(screenshots, 'runs.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('shows a run\'s steps, calls, costs and critical path, a fallback after its failed attempt, and a call\'s attributes on click', async () => {
    const run = runs.find((candidate) => candidate.workflow === 'support-triage' && candidate.fallbacks > 0)!
    const { page, problems } = await open(`/ui/runs/${run.runId}`)
    const steps = await page.locator('.wf-row.step .wf-label').allInnerTexts()
    expect(steps.join(' ')).toMatch(/step classify[\s\S]*step execute[\s\S]*step verify/)
    expect(await page.locator('.wf-row.call').count()).toBe(run.calls)
    expect(await page.locator('.wf-row.critical').count()).toBeGreaterThan(0)
    expect(await page.locator('.wf-row.critical .badge.critical').first().innerText()).toMatch(/^critical \d+\.\d%$/)
    expect(await page.locator('table.critical-path').innerText()).toMatch(/execute/)
    expect(await page.locator('#totals').innerText()).toContain(`$${run.costUsd}`.slice(0, 6))
    const fallback = page.locator('.wf-row.call.fallback').first()
    expect(await fallback.innerText()).toMatch(/fallback · attempt [2-9]/)
    // The row before a fallback is its failed attempt.
    const failedBefore = fallback.locator('xpath=preceding-sibling::div[contains(@class, "wf-row")][1]')
    expect(await failedBefore.getAttribute('class')).toMatch(/\bfailed\b/)
    expect(await page.locator('.wf-row.call .wf-figures').first().innerText()).toMatch(/\/.+ · \d+ in \/ \d+ out · \$[\d.]+/)
    await fallback.click()
    const attributes = await page.locator('#attributes').innerText()
    expect(attributes).toContain('gen_ai.provider.name')
    expect(attributes).toContain('switchyard.attempt')
    expect(attributes).toContain(run.runId)
    await page.screenshot({ path: path.join(screenshots, 'run.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('shows a run made through the gateway: listed as calls only, its calls under steps made from them, parallel calls on the critical path', async () => {
    const list = await open(`/ui/runs?window=24h&workflow=${gatewayRun.workflow}`)
    expect(await list.page.locator('table.runs tbody tr td:first-child').allInnerTexts()).toEqual([`${gatewayRun.workflow}calls only`])
    expect(list.problems).toEqual([])
    await list.page.close()
    const { page, problems } = await open(`/ui/runs/${gatewayRun.runId}`)
    expect(await page.locator('#no-workflow-span').innerText()).toMatch(/no workflow span/)
    expect(await page.locator('#steps-from-calls').innerText()).toMatch(/No step spans/)
    expect(await page.locator('.wf-row.step.virtual .wf-label').allInnerTexts()).toEqual([expect.stringMatching(/^step plan/), expect.stringMatching(/^step act/)])
    expect(await page.locator('.wf-row.step.virtual .badge', { hasText: 'from calls' }).count()).toBe(2)
    expect(await page.locator('.wf-row.call').count()).toBe(3)
    const critical = await page.locator('table.critical-path').innerText()
    expect(critical).toContain('parallel calls')
    // The two plan requests overlap for 300 ms.
    expect(critical).toMatch(/plan[^\n]*300 ms/)
    await page.screenshot({ path: path.join(screenshots, 'run-from-calls.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('renders on a narrow screen in dark mode without overflowing the page', async () => {
    const run = runs.find((candidate) => candidate.workflow === 'coding-assistant')!
    for (const [name, pathname] of [['overview-narrow-dark', '/ui/?window=1h'], ['run-narrow-dark', `/ui/runs/${run.runId}`]] as const) {
      const { page, problems } = await open(pathname, { viewport: narrow, colorScheme: 'dark' })
      const background = await page.evaluate('getComputedStyle(document.body).backgroundColor')
      expect(background).toBe('rgb(13, 17, 23)')
      const pageWidth = Number(await page.evaluate('document.documentElement.scrollWidth'))
      expect(pageWidth).toBeLessThanOrEqual(narrow.width)
      await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true })
      expect(problems).toEqual([])
      await page.close()
    }
  })

  it('writes what a caller put on its spans as text, never as markup', async () => {
    const list = await open('/ui/runs?window=24h&workflow=' + encodeURIComponent(hostile.workflow))
    expect(await list.page.locator('table.runs tbody tr td:first-child a').allInnerTexts()).toEqual([hostile.workflow])
    await list.page.close()
    const { page, problems } = await open(`/ui/runs/${hostile.runId}`)
    expect(await page.locator('h1').innerText()).toContain(hostile.workflow)
    await page.locator('.wf-row.call').first().click()
    expect(await page.locator('#attributes').innerText()).toContain(hostile.attribute)
    expect(await page.locator('#attributes b, main img, main script').count()).toBe(0)
    expect(await page.evaluate('window.__xss')).toBeUndefined()
    expect(problems).toEqual([])
    await page.close()
  })

  it('draws a 1,000-run list (timing printed, not asserted)', async () => {
    const { page, problems } = await open('/ui/runs?window=24h&limit=1000')
    expect(await page.locator('table.runs tbody tr').count()).toBe(1_000)
    const main = page.locator('main')
    const drawMs = Number(await main.getAttribute('data-render-ms'))
    const sinceNavigationMs = Number(await main.getAttribute('data-rendered-at-ms'))
    const drawnMs = Number(await main.getAttribute('data-drawn-ms'))
    process.stdout.write(`web view: first render of a 1,000-run list ${sinceNavigationMs} ms after navigation start; `
      + `${drawMs} ms from script start (query and fetch, then ${drawnMs} ms drawing the table)\n`)
    expect(sinceNavigationMs).toBeGreaterThan(0)
    expect(problems).toEqual([])
    await page.close()
  })
})

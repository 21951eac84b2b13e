import { afterAll, describe, expect, it } from 'vitest'
import { runDemo } from '../../src/demo/run-demo.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const directory = makeTempDirectory('demo-serve')
afterAll(() => directory.remove())

interface RunsAnswer { runs: { workflow: string }[] }

describe('npm run demo -- --serve', () => {
  it('ends with the web view of its runs served by its collector until told to stop, then closes it', async () => {
    const lines: string[] = []
    let stop!: () => void
    const serveUntil = new Promise<void>((resolve) => { stop = resolve })
    let served: Promise<{ workflows: string[]; url: string }> | undefined
    const write = (line: string): void => {
      lines.push(line)
      const match = /^Serving the web view of these runs at (\S+) /.exec(line)
      if (match?.[1] === undefined) return
      const url = match[1]
      served = (async () => {
        try {
          const page = await fetch(url)
          expect(page.status).toBe(200)
          const runs = await (await fetch(`${url}api/runs?window=1h&limit=1000`)).json() as RunsAnswer
          return { workflows: [...new Set(runs.runs.map((run) => run.workflow))].sort(), url }
        } finally {
          stop()
        }
      })()
    }
    await runDemo({ directory: directory.path, triageRuns: 6, codingRuns: 3, write, serveUntil })
    expect(served).toBeDefined()
    const { workflows, url } = await served!
    expect(workflows).toEqual(['coding-assistant', 'support-triage'])
    // Closed with the demo: nothing is left listening.
    await expect(fetch(url)).rejects.toThrow()
  })

  it('without --serve, names the command that serves the same store afterwards', async () => {
    const lines: string[] = []
    await runDemo({ directory: directory.path, triageRuns: 2, codingRuns: 1, write: (line) => lines.push(line) })
    expect(lines.some((line) => /Web view: npx switchyard ui --store chdb:\/\/\S+, then http:\/\/127\.0\.0\.1:4400\/ui\//.test(line))).toBe(true)
  })
})

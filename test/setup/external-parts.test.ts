import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { externalParts, missingPartMessage, pythonVenvDirectory } from '../helpers/external-parts.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { missingPartsReport, readMissingPartRecords, writeMissingPartRecord } from './missing-part-records.js'

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url))
const directories: ReturnType<typeof makeTempDirectory>[] = []

function temporary(prefix: string): string {
  const directory = makeTempDirectory(prefix)
  directories.push(directory)
  return directory.path
}

afterEach(() => {
  for (const directory of directories.splice(0)) directory.remove()
})

function scriptVenvPython(environment: Record<string, string>): string {
  const result = spawnSync('bash', [path.join(repositoryRoot, 'scripts/python-venv.sh'), '--print-path'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment },
    encoding: 'utf8',
    timeout: 20_000,
  })
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.trim()
}

describe('the Python venv', () => {
  it('is looked for where scripts/python-venv.sh builds it, under XDG_CACHE_HOME or else HOME/.cache', () => {
    const cache = temporary('xdg')
    const home = temporary('home')
    expect(path.join(pythonVenvDirectory({ XDG_CACHE_HOME: cache }), 'bin', 'python')).toBe(scriptVenvPython({ XDG_CACHE_HOME: cache, HOME: home }))
    expect(path.join(pythonVenvDirectory({ HOME: home }), 'bin', 'python')).toBe(scriptVenvPython({ HOME: home }))
    expect(pythonVenvDirectory({ HOME: home })).toMatch(new RegExp(`^${home}/\\.cache/switchyard/python-venv-[0-9a-f]{16}$`))
  })
})

describe('the record of missing parts', () => {
  it('lists each missing part once, with the suites it kept back and the command that installs it', () => {
    const directory = temporary('records')
    const install = externalParts['python-openai'].install
    writeMissingPartRecord(directory, { part: 'python-openai', suite: 'second suite', file: 'test/b.test.ts', install })
    writeMissingPartRecord(directory, { part: 'python-openai', suite: 'first suite', file: 'test/a.test.ts', install })
    writeMissingPartRecord(directory, { part: 'chromium', suite: 'pages', file: 'test/ui.test.ts', install: externalParts.chromium.install })
    // A worker killed mid-write leaves a torn file; the rest of the report still prints.
    writeFileSync(path.join(directory, 'torn.json'), '{"part": "redis')

    const report = missingPartsReport(readMissingPartRecords(directory))
    expect(report.filter((line) => line.startsWith('  ') && !line.startsWith('    ') && !line.startsWith('  ('))).toEqual(['  chromium', '  python-openai'])
    expect(report).toContain('    - test/a.test.ts > first suite')
    expect(report).toContain('    - test/b.test.ts > second suite')
    expect(report.indexOf('    - test/a.test.ts > first suite')).toBeLessThan(report.indexOf('    - test/b.test.ts > second suite'))
    expect(report.filter((line) => line === `    install: ${install}`)).toHaveLength(1)
    expect(report).toContain(`    install: ${externalParts.chromium.install}`)
  })

  it('prints nothing when every part was there', () => {
    expect(missingPartsReport(readMissingPartRecords(temporary('none')))).toEqual([])
  })

  it('names every part with an install command of scripts/install-external-parts.sh', () => {
    for (const name of ['python-openai', 'redis-server', 'chromium'] as const) {
      expect(externalParts[name].install).toMatch(new RegExp(`^bash scripts/install-external-parts\\.sh ${name}\\b`))
      expect(missingPartMessage(name)).toContain(externalParts[name].install)
    }
  })
})

/** Runs vitest on the fixture suite with an empty cache (so no venv), bounded in time. */
function runFixtureSuite(ci: string): Promise<{ code: number | null; output: string }> {
  const environment: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: temporary('empty-cache'), CI: ci, NO_COLOR: '1' }
  const child = spawn(path.join(repositoryRoot, 'node_modules/.bin/vitest'), ['run', '--config', 'test/setup/fixtures/vitest.fixture.config.ts'], {
    cwd: repositoryRoot,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

describe('a run without the part', () => {
  it('does not run the suite (no skipped test: one that records it), runs the rest, passes, and ends by naming the suite and the install command', async () => {
    const { code, output } = await runFixtureSuite('false')
    expect(code, output).toBe(0)
    expect(output).toMatch(/Tests\s+2 passed \(2\)/)
    expect(output).not.toMatch(/skipped/)
    const report = output.slice(output.indexOf('External parts missing'))
    expect(report).toContain('python-openai')
    expect(report).toContain('test/setup/fixtures/needs-python.fixture.ts > a suite that needs Python')
    expect(report).toContain(`install: ${externalParts['python-openai'].install}`)
  })

  it('fails under CI=true, with the install command in the failure', async () => {
    const { code, output } = await runFixtureSuite('true')
    expect(code, output).toBe(1)
    expect(output).toContain('has python-openai installed')
    expect(output).toContain(missingPartMessage('python-openai'))
    expect(output).not.toContain('External parts missing')
  })
})

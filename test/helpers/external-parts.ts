import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, constants, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { readMissingPartRecords, writeMissingPartRecord } from '../setup/missing-part-records.js'

/**
 * The parts some suites need that npm does not install: the official `openai` Python
 * package (in a cached venv), Debian's redis-server and chromium. This file is the one
 * place that knows how to find each and the command that installs it; that command is
 * scripts/install-external-parts.sh, which `.ci/run` runs before the tests.
 *
 * A suite declares what it needs with `describeWithPart`. When the part is missing, the
 * suite is skipped and recorded (the run ends by listing it with the install command,
 * see test/setup/external-parts-report.ts); under `CI=true` it fails instead, so CI can
 * never pass by not running a suite.
 */
export type ExternalPartName = 'python-openai' | 'redis-server' | 'chromium'

/** A part that is here: the executable a test runs, and its version when cheap to learn. */
export interface FoundPart {
  name: ExternalPartName
  executable: string
  version: string | undefined
}

interface ExternalPart {
  /** What it is, for the report and for failures. */
  description: string
  /** The command that installs it, from the repository root. */
  install: string
  find(): Omit<FoundPart, 'name'> | undefined
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url))
const probeTimeoutMs = 20_000

/** How each part is found and installed. Add a part here and in scripts/install-external-parts.sh. */
export const externalParts: Record<ExternalPartName, ExternalPart> = {
  'python-openai': {
    description: 'the official openai Python package, in the venv that scripts/python-venv.sh caches',
    install: 'bash scripts/install-external-parts.sh python-openai',
    find: findPythonOpenai,
  },
  'redis-server': {
    description: "Debian's redis-server on PATH",
    install: 'bash scripts/install-external-parts.sh redis-server   (runs: apt-get install -y redis-server)',
    find: () => {
      const executable = onPath('redis-server')
      return executable === undefined ? undefined : { executable, version: versionOf(executable, ['--version']) }
    },
  },
  chromium: {
    description: "Debian's chromium at /usr/bin/chromium, run headless",
    install: 'bash scripts/install-external-parts.sh chromium   (runs: apt-get install -y chromium)',
    find: () => (isExecutable('/usr/bin/chromium') ? { executable: '/usr/bin/chromium', version: undefined } : undefined),
  },
}

/**
 * The venv that scripts/python-venv.sh builds: named after the first 16 hex digits of the
 * SHA-256 of test/python/requirements.txt, under `${XDG_CACHE_HOME:-$HOME/.cache}/switchyard`,
 * exactly as the script names it.
 */
export function pythonVenvDirectory(environment: NodeJS.ProcessEnv = process.env): string {
  const requirements = readFileSync(path.join(repositoryRoot, 'test/python/requirements.txt'))
  const hash = createHash('sha256').update(requirements).digest('hex').slice(0, 16)
  // `||`, not `??`: an empty variable counts as unset, as `${XDG_CACHE_HOME:-...}` does in the script.
  const cacheHome = environment.XDG_CACHE_HOME || path.join(environment.HOME || os.homedir(), '.cache')
  return path.join(cacheHome, 'switchyard', `python-venv-${hash}`)
}

function findPythonOpenai(): Omit<FoundPart, 'name'> | undefined {
  const executable = path.join(pythonVenvDirectory(), 'bin', 'python')
  if (!isExecutable(executable)) return undefined
  const probe = spawnSync(executable, ['-c', 'import openai; print(openai.__version__)'], {
    encoding: 'utf8',
    timeout: probeTimeoutMs,
  })
  if (probe.status !== 0) return undefined
  return { executable, version: probe.stdout.trim() }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(command: string): string | undefined {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter((directory) => directory !== '')
  return directories.map((directory) => path.join(directory, command)).find(isExecutable)
}

function versionOf(executable: string, versionArguments: string[]): string | undefined {
  const probe = spawnSync(executable, versionArguments, { encoding: 'utf8', timeout: probeTimeoutMs })
  return probe.status === 0 ? probe.stdout.trim() : undefined
}

const found = new Map<ExternalPartName, FoundPart | undefined>()

/** The part if it is here (looked up once per worker), else undefined. */
export function findExternalPart(name: ExternalPartName): FoundPart | undefined {
  if (!found.has(name)) {
    const part = externalParts[name].find()
    found.set(name, part === undefined ? undefined : { name, ...part })
  }
  return found.get(name)
}

/** Whether a missing part must fail the run rather than skip its suites. */
export function externalPartsRequired(): boolean {
  return process.env.CI === 'true'
}

/** The message a missing part fails with (under CI) or is reported with. */
export function missingPartMessage(name: ExternalPartName): string {
  const part = externalParts[name]
  return `external part '${name}' is missing (${part.description}); install it with: ${part.install}`
}

/**
 * `describe(title, body)` for a suite that needs an external part; `body` gets the part.
 * Missing part: under CI=true the suite is one failing test whose message says how to
 * install it; elsewhere its body does not run, and one test records it for the
 * end-of-run report, which names the suite and the install command.
 */
export function describeWithPart(name: ExternalPartName, title: string, body: (part: FoundPart) => void): void {
  const part = findExternalPart(name)
  if (part !== undefined) {
    describe(title, () => body(part))
    return
  }
  const message = missingPartMessage(name)
  if (externalPartsRequired()) {
    describe(title, () => {
      it(`has ${name} installed`, () => {
        throw new Error(`${message} (CI=true: a missing part fails the run)`)
      })
    })
    return
  }
  // Not a skipped suite, which would assert nothing: one test that records the suite for the
  // end-of-run report (which names it and the install command) and checks the record is there.
  describe(title, () => {
    it(`cannot run without ${name}: recorded for the end-of-run report`, () => {
      const recorded = recordMissingPart(name, title)
      if (recorded !== undefined) expect(readMissingPartRecords(recorded)).toContainEqual(expect.objectContaining({ part: name, suite: title }))
    })
  })
}

/** Records the suite that could not run; returns the run's record directory, or undefined without the global setup. */
function recordMissingPart(name: ExternalPartName, suite: string): string | undefined {
  const testPath = expect.getState().testPath
  const file = testPath === undefined ? 'unknown file' : path.relative(repositoryRoot, testPath)
  const directory = inject('missingExternalPartsDirectory') as string | undefined
  if (directory === undefined) {
    // Run without the global setup (another config): say it here instead.
    process.stderr.write(`not run: ${file} > ${suite}: ${missingPartMessage(name)}\n`)
    return undefined
  }
  writeMissingPartRecord(directory, { part: name, suite, file, install: externalParts[name].install })
  return directory
}

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { buildDirectory, compiledEntry, repositoryRoot } from './lib/child-process.js'
import type { BenchResult, Figure } from './lib/figure.js'
import { cpuBusyShare, describeMachine } from './lib/machine.js'

/*
 * npm run bench [-- --quick] [--only a,b] [--profile] [--wait-quiet <seconds>] [--build-only]
 *
 * First compiles the library and the benchmarks with tsc (bench/tsconfig.json):
 * what is measured is the plain JS users run, not tsx's transform of the source
 * (its `__name` wrappers, its loader hooks). `--build-only` stops there. Then runs
 * each compiled benchmark with plain node in a child process of its own (chdb
 * allows one owner per data directory, and a benchmark's JIT, heap and patched
 * modules must not leak into the next), prints every figure with its same-run
 * baseline, the ratio and the target, and writes everything to
 * bench/results/<time>-<mode>.json. A missed target is a finding, not a failure:
 * the exit code is non-zero only when a benchmark could not run.
 */

const benchmarks = ['router-overhead', 'router-path', 'sdk-comparison', 'collector-ingest', 'budget-decision', 'spend-queries', 'gateway-overhead', 'shared-budget-decision'] as const
type BenchmarkName = (typeof benchmarks)[number]

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const profile = argv.includes('--profile')
const buildOnly = argv.includes('--build-only')
const onlyIndex = argv.indexOf('--only')
const selected = onlyIndex === -1 ? [...benchmarks] : (argv[onlyIndex + 1] ?? '').split(',').filter((name): name is BenchmarkName => {
  if ((benchmarks as readonly string[]).includes(name)) return true
  throw new Error(`unknown benchmark "${name}"; choose from ${benchmarks.join(', ')}`)
})
const waitIndex = argv.indexOf('--wait-quiet')
const waitQuietSeconds = waitIndex === -1 ? 0 : Number(argv[waitIndex + 1] ?? 300)
/** Each benchmark's wall-clock limit: past it, its process is killed and it is reported as failed. */
const timeoutMs = quick ? 90_000 : 45 * 60_000

const benchDirectory = path.join(repositoryRoot, 'bench')
const resultsDirectory = path.join(benchDirectory, 'results')
const profileDirectory = path.join(resultsDirectory, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'))
mkdirSync(resultsDirectory, { recursive: true })

/**
 * Compile src, collector and bench into the build directory (incremental: a rebuild
 * with nothing changed takes seconds). tsc emits even when it finds type errors; tsx
 * never checked types, so those are reported and the emitted JS runs anyway.
 */
function build(): void {
  process.stderr.write(`compiling the library and the benchmarks (tsc -p bench/tsconfig.json) into ${path.relative(repositoryRoot, buildDirectory)} ...\n`)
  const started = performance.now()
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const { status } = spawnSync(process.execPath, [tsc, '-p', path.join('bench', 'tsconfig.json')], { cwd: repositoryRoot, stdio: 'inherit' })
  // 2: type errors, outputs written; anything else non-zero: nothing usable was written.
  if (status === 2) process.stderr.write('  tsc reported type errors (above); running the JS it emitted anyway\n')
  else if (status !== 0) throw new Error(`tsc -p bench/tsconfig.json exited with ${status}`)
  // The compiled benchmarks must find the peers in bench/node_modules first, as their sources do.
  const peers = path.join(buildDirectory, 'bench', 'node_modules')
  if (!existsSync(peers) && !isLink(peers)) symlinkSync(path.join(benchDirectory, 'node_modules'), peers, 'junction')
  process.stderr.write(`  compiled in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink()
  } catch {
    return false
  }
}

/** The peers of sdk-comparison live in bench/node_modules, installed from bench/package-lock.json on first use. */
function installPeers(): void {
  if (existsSync(path.join(benchDirectory, 'node_modules', '@traceloop', 'instrumentation-openai'))) return
  process.stderr.write('installing the peer instrumentations of bench/package.json (npm install --prefix bench) ...\n')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const { status } = spawnSync(npm, ['install', '--prefix', benchDirectory, '--no-audit', '--no-fund'], { cwd: repositoryRoot, stdio: 'inherit' })
  if (status !== 0) throw new Error(`npm install --prefix bench exited with ${status}`)
}

async function waitForQuiet(): Promise<number | undefined> {
  let busy = await cpuBusyShare(1_000)
  const deadline = Date.now() + waitQuietSeconds * 1000
  while (busy !== undefined && busy > 0.15 && Date.now() < deadline) {
    process.stderr.write(`  the machine is ${Math.round(busy * 100)}% busy with other work; waiting for it to quiet down\n`)
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    busy = await cpuBusyShare(1_000)
  }
  return busy
}

function runBenchmark(name: BenchmarkName): Promise<{ result?: BenchResult; error?: string; seconds: number }> {
  const out = path.join(os.tmpdir(), `switchyard-bench-${name}-${process.pid}.json`)
  rmSync(out, { force: true })
  const execArgv = profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDirectory, name)] : []
  const args = [...execArgv, compiledEntry(path.join('bench', `${name}.ts`)), ...(quick ? ['--quick'] : []), '--out', out]
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: repositoryRoot, stdio: ['ignore', 'inherit', 'inherit'] })
    const timer = setTimeout(() => {
      process.stderr.write(`  ${name} ran past ${timeoutMs / 1000} s: killing it (pid ${child.pid})\n`)
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
    }, timeoutMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      const seconds = (performance.now() - started) / 1000
      if (code === 0 && existsSync(out)) {
        const result = JSON.parse(readFileSync(out, 'utf8')) as BenchResult
        rmSync(out, { force: true })
        resolve({ result, seconds })
      } else {
        resolve({ error: `exited with code ${code}${signal === null ? '' : `, signal ${signal}`}`, seconds })
      }
    })
  })
}

function formatNumber(value: number | undefined, unit = ''): string {
  if (value === undefined || Number.isNaN(value)) return '-'
  const text = Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en') : String(Math.round(value * 100) / 100)
  return unit === '' ? text : `${text} ${unit}`
}

function printFigures(name: string, figures: readonly Figure[]): void {
  process.stdout.write(`\n${name}\n`)
  for (const item of figures) {
    const baseline = item.baseline === undefined ? '' : `  baseline ${item.baseline.name}: ${formatNumber(item.baseline.value, item.baseline.unit ?? item.unit)}`
    const ratio = item.ratio === undefined ? '' : `  ratio ${formatNumber(item.ratio)}`
    const target = item.target === undefined ? '' : `  target ${item.target.text}${item.ofTarget === undefined ? '' : ` (${formatNumber(item.ofTarget)}× of it)`}`
    process.stdout.write(`  [${item.status.padEnd(4)}] ${item.name}: ${formatNumber(item.value, item.unit)}${baseline}${ratio}${target}${item.note === undefined ? '' : `  (${item.note})`}\n`)
  }
}

build()
if (buildOnly) process.exit(0)

const machine = describeMachine()
process.stdout.write(`switchyard benchmarks (${quick ? 'quick' : 'full'}) on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}\n`)
if (selected.includes('sdk-comparison')) installPeers()

const runs: Record<string, unknown> = {}
let failed = 0
for (const name of selected) {
  const busyBefore = await waitForQuiet()
  process.stderr.write(`\n▶ ${name}${busyBefore === undefined ? '' : ` (machine ${Math.round(busyBefore * 100)}% busy before it)`}\n`)
  const outcome = await runBenchmark(name)
  if (outcome.result === undefined) {
    failed += 1
    process.stdout.write(`\n${name}: FAILED (${outcome.error})\n`)
  } else {
    printFigures(name, outcome.result.figures)
  }
  runs[name] = { seconds: Math.round(outcome.seconds), busyBefore, error: outcome.error, result: outcome.result }
}

const file = path.join(resultsDirectory, `${machine.date.replace(/[:.]/g, '-')}-${quick ? 'quick' : 'full'}.json`)
writeFileSync(file, `${JSON.stringify({ mode: quick ? 'quick' : 'full', machine, profileDirectory: profile ? profileDirectory : undefined, runs }, null, 2)}\n`)
const statuses = Object.values(runs).flatMap((run) => (run as { result?: BenchResult }).result?.figures ?? []).map((item) => item.status)
const count = (status: string): number => statuses.filter((item) => item === status).length
process.stdout.write(`\n${count('PASS')} targets met, ${count('MISS')} missed, ${count('TODO')} not measurable yet, ${failed} benchmarks failed; results in ${path.relative(repositoryRoot, file)}\n`)
process.exit(failed === 0 ? 0 : 1)

import { execFile } from 'node:child_process'
import { copyFileSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { makeTempDirectory } from '../helpers/temp-directory.js'

// The package as a user gets it: `npm pack` of a copy of the sources a clean clone has
// (tracked and unignored files: no dist/, nothing ignored), so prepack must build it;
// the tarball installed into an empty project; then the library imported there and
// the CLI run through npx. The build reads the checkout's node_modules (the compiler);
// the installed project has its own, from the tarball and npm's cache.

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)
const directory = makeTempDirectory('packed-tarball')
const sources = path.join(directory.path, 'sources')
const project = path.join(directory.path, 'project')
const npmEnvironment: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }
// What the project's own process reads must come from the project, not from this run.
delete npmEnvironment.CLICKHOUSE_URL
delete npmEnvironment.OTEL_EXPORTER_OTLP_ENDPOINT
let tarballEntries: string[] = []

beforeAll(async () => {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 64 * 1024 * 1024 })
  for (const file of stdout.split('\0').filter((name) => name !== '')) {
    // Regular files only: a tracked file deleted in the working tree is not part of it, and
    // a node_modules that is a symlink (git's `node_modules/` ignores only directories) is none of the sources.
    if (!lstatSync(path.join(root, file), { throwIfNoEntry: false })?.isFile()) continue
    mkdirSync(path.dirname(path.join(sources, file)), { recursive: true })
    copyFileSync(path.join(root, file), path.join(sources, file))
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(sources, 'node_modules'))
  const packed = path.join(directory.path, 'packed')
  mkdirSync(packed)
  await run('npm', ['pack', '--pack-destination', packed], { cwd: sources, env: npmEnvironment, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 })
  const [tarball] = readdirSync(packed).filter((name) => name.endsWith('.tgz'))
  if (tarball === undefined) throw new Error('npm pack wrote no tarball')
  const tarballPath = path.join(packed, tarball)
  tarballEntries = (await run('tar', ['-tzf', tarballPath], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n').filter((entry) => entry !== '')

  mkdirSync(project)
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }))
  // --prefer-offline: the registry's packages from npm's cache where it has them (chdb's engine is ~550 MB).
  await run('npm', ['install', tarballPath, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, env: npmEnvironment, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 })
}, 480_000)

afterAll(() => directory.remove())

describe('the packed package, installed into an empty project', () => {
  it('ships the compiled library and CLI, the README and the stack files, and no sources, tests or benches', async () => {
    const packageJson = z.object({
      main: z.string(),
      types: z.string(),
      exports: z.object({ '.': z.object({ types: z.string(), default: z.string() }) }),
      bin: z.record(z.string(), z.string()),
    }).parse((await import(path.join(project, 'node_modules/switchyard/package.json'), { with: { type: 'json' } })).default)
    const shipped = new Set(tarballEntries.map((entry) => entry.replace(/^package\//, '')))
    const entryPoints = [packageJson.main, packageJson.types, packageJson.exports['.'].types, packageJson.exports['.'].default, ...Object.values(packageJson.bin)]
    for (const file of entryPoints) expect(shipped, file).toContain(file.replace(/^\.\//, ''))
    for (const file of ['dist/src/cli/main.js', 'README.md', 'package.json', 'dashboards/docker-compose.yml', 'collector/otelcol-contrib.yaml']) expect(shipped, file).toContain(file)
    // The migrations are compiled in: the store reads no SQL file from disk.
    expect(shipped).toContain('dist/src/store/migrations/migrations.js')
    for (const file of shipped) {
      expect(file, file).not.toMatch(/^(src|test|bench|dist\/test|dist\/bench|node_modules|\.switchyard)\//)
      expect(file, file).not.toMatch(/(?<!\.d)\.ts$/)
    }
  })

  it('imports createRouter from \'switchyard\' and routes a call to an OpenAI-compatible server', async () => {
    const requests: { path: string; authorization: string | undefined; model: unknown }[] = []
    const server = await startChatServer(async (request) => {
      const body = JSON.parse(await readBody(request)) as { model?: unknown }
      requests.push({ path: request.url ?? '', authorization: request.headers.authorization, model: body.model })
      return {
        id: 'chatcmpl-packed-1',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'gpt-4.1-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'routed from the packed package' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
      }
    })
    try {
      const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
      writeFileSync(path.join(project, 'route-one-call.js'), `
import { createRouter } from 'switchyard'
const router = createRouter({
  providers: { local: { type: 'openai', apiKey: 'sk-packed-test', baseURL: ${JSON.stringify(baseURL)} } },
  routes: { main: { targets: [{ provider: 'local', model: 'gpt-4.1-mini' }] } },
})
const result = await router.chat({ route: 'main', messages: [{ role: 'user', content: 'hello' }] })
await router.close()
console.log(JSON.stringify({ text: result.text, provider: result.provider, model: result.model, costUsd: result.costUsd, attempts: result.attempts.length }))
`)
      const { stdout } = await run(process.execPath, ['route-one-call.js'], { cwd: project, env: npmEnvironment, timeout: 60_000 })
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
      expect(result).toMatchObject({ text: 'routed from the packed package', provider: 'local', model: 'gpt-4.1-mini', attempts: 1 })
      expect(result.costUsd).toMatch(/^0\.\d*[1-9]\d*$/)
      expect(requests).toEqual([{ path: '/v1/chat/completions', authorization: 'Bearer sk-packed-test', model: 'gpt-4.1-mini' }])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  }, 90_000)

  it('runs `npx switchyard demo` on the embedded store it installed', async () => {
    const { stdout } = await run('npx', ['--no', 'switchyard', 'demo', '--triage-runs', '6', '--coding-runs', '3'], {
      cwd: project,
      env: npmEnvironment,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    })
    expect(stdout).toContain(`spans go to store chdb://${path.join(project, '.switchyard', 'data')}`)
    expect(stdout).toMatch(/switchyard report .* by workflow, step/)
    expect(stdout).toMatch(/^support-triage +plan +6 /m)
    expect(stdout).toMatch(/^coding-assistant +edit +3 /m)
    expect(stdout).toMatch(/^runs 9, model calls \d+,/m)
  }, 150_000)
})

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => { text += chunk })
    request.on('end', () => resolve(text))
    request.on('error', reject)
  })
}

/** An HTTP server on 127.0.0.1 port 0 that answers every request with `answer`'s JSON. */
async function startChatServer(answer: (request: IncomingMessage) => Promise<unknown>): Promise<Server> {
  const server = createServer((request, response) => {
    answer(request).then((body) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }, (error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' })
      response.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

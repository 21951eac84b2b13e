import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { z } from 'zod'
import { runCli } from '../../src/cli/run-cli.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { parseDockerfile, runCommands, type DockerStage } from './parse-dockerfile.js'

// Docker does not run in CI (and a real image build would take minutes): these tests
// check the Dockerfile, .dockerignore and the compose file against each other and the
// package, and run the image's install commands against the committed lockfile with
// this machine's npm.

const root = fileURLToPath(new URL('../..', import.meta.url))
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8')
const packageJson = z.object({
  bin: z.record(z.string(), z.string()),
  dependencies: z.record(z.string(), z.string()),
  devDependencies: z.record(z.string(), z.string()),
  optionalDependencies: z.record(z.string(), z.string()),
}).parse(JSON.parse(read('package.json')))

const { stages } = parseDockerfile(read('Dockerfile'))
const finalStage = stages.at(-1)!
const stage = (name: string): DockerStage => {
  const found = stages.find((candidate) => candidate.name === name)
  if (found === undefined) throw new Error(`the Dockerfile has no stage ${name}`)
  return found
}
const instructions = (of: DockerStage, keyword: string): string[] =>
  of.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.argument)
/** `COPY --from=<stage> <source> <target>` of the final stage, by target. */
const copiedFrom = (target: string): { stage: string; source: string } | undefined => {
  for (const argument of instructions(finalStage, 'COPY')) {
    const match = /^--from=(\S+) (\S+) (\S+)$/.exec(argument)
    if (match?.[3] === target) return { stage: match[1]!, source: match[2]! }
  }
  return undefined
}
const npmInstall = (of: DockerStage): string => {
  const commands = runCommands(of).filter((command) => /^npm (install|i|ci)\b/.test(command))
  expect(commands, `npm installs of stage ${of.name ?? '(final)'}`).toHaveLength(1)
  return commands[0]!
}

const directory = makeTempDirectory('docker-image')
afterAll(() => directory.remove())
const run = promisify(execFile)

/** Runs one of the Dockerfile's npm commands in `cwd`, with extra flags. */
async function runNpm(command: string, cwd: string, extraFlags: readonly string[]): Promise<string> {
  // Plain words only, so splitting on spaces is what the image's shell does.
  expect(command).toMatch(/^npm [\w\s=-]+$/)
  const [, ...args] = command.split(' ')
  const { stdout } = await run('npm', [...args, ...extraFlags], {
    cwd,
    timeout: 120_000,
    env: { ...process.env, npm_config_update_notifier: 'false' },
    maxBuffer: 16 * 1024 * 1024,
  })
  return stdout
}

describe('Dockerfile', () => {
  it('builds in stages on Node 20 and runs the compiled CLI as a non-root user, with switchyard as the entry point', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const each of stages) expect(each.from).toMatch(/^node:20[.-]/)
    expect(runCommands(stage('build'))).toContain('npm run build')
    expect(copiedFrom('./dist/src')).toEqual({ stage: 'build', source: '/app/dist/src' })
    expect(instructions(finalStage, 'COPY')).toContain('bin ./bin')
    // The user the final stage ends as, not root (by name or id).
    const user = instructions(finalStage, 'USER').at(-1)
    expect(user).toBeDefined()
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    expect(instructions(finalStage, 'ENTRYPOINT')).toEqual(['["switchyard"]'])
    // `switchyard` on the PATH is the package's own bin, which runs dist/ when it is there.
    expect(packageJson.bin.switchyard).toBe('./bin/switchyard.js')
    expect(runCommands(finalStage)).toContain('ln -s /app/bin/switchyard.js /usr/local/bin/switchyard')
    expect(read('bin/switchyard.js')).toContain("'../dist/src/cli/main.js'")
  })

  it('installs with npm install (never npm ci, which refuses this lockfile), production dependencies only in the image', () => {
    for (const each of stages) for (const command of runCommands(each)) expect(command).not.toMatch(/^npm (ci|clean-install|install-clean)\b/)
    const production = copiedFrom('./node_modules')
    expect(production?.source).toBe('/app/node_modules')
    const install = npmInstall(stage(production!.stage))
    expect(install).toMatch(/^npm install /)
    expect(install.split(' ')).toEqual(expect.arrayContaining(['--omit=dev', '--omit=optional']))
    // The final stage installs nothing of its own: its node_modules is that stage's.
    expect(runCommands(finalStage).filter((command) => command.startsWith('npm '))).toEqual([])
  })

  it('gets from .dockerignore every file it copies, and no host node_modules, dist or store', () => {
    const rules = read('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
    // Last matching rule wins, as the builder reads it; these rules are `*` and plain paths.
    const sent = (file: string): boolean => rules.reduce((included, rule) => {
      const negated = rule.startsWith('!')
      const pattern = negated ? rule.slice(1) : rule
      const matches = pattern === '*' || file === pattern || file.startsWith(`${pattern}/`)
      return matches ? negated : included
    }, true)
    const copied = stages.flatMap((each) => instructions(each, 'COPY'))
      .filter((argument) => !argument.startsWith('--from='))
      .flatMap((argument) => argument.split(' ').slice(0, -1))
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'bin']))
    for (const file of copied) {
      expect(sent(file), file).toBe(true)
      expect(existsSync(path.join(root, file)), file).toBe(true)
    }
    for (const file of ['node_modules', 'dist', '.switchyard', 'test', 'bench', '.git']) expect(sent(file), file).toBe(false)
  })

  it('installs the image\'s production dependencies at the versions the committed lockfile pins', async () => {
    const project = path.join(directory.path, 'production')
    await run('mkdir', ['-p', project])
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, file), path.join(project, file))
    // --prefer-offline: the same install, from npm's cache where it has the packages.
    await runNpm(npmInstall(stage(copiedFrom('./node_modules')!.stage)), project, ['--prefer-offline'])
    // The versions the lockfile pins, every one (npm may add a platform package it lacks to its copy).
    const pinned = z.object({ packages: z.record(z.string(), z.object({ version: z.string().optional(), dev: z.boolean().optional() })) }).parse(JSON.parse(read('package-lock.json'))).packages
    const tree = z.object({ packages: z.record(z.string(), z.object({ version: z.string().optional() })) })
      .parse(JSON.parse(readFileSync(path.join(project, 'node_modules', '.package-lock.json'), 'utf8'))).packages
    expect(Object.keys(tree).length).toBeGreaterThan(Object.keys(packageJson.dependencies).length)
    for (const [location, entry] of Object.entries(tree)) expect(entry.version, location).toBe(pinned[location]?.version)
    const installed = (name: string): boolean => existsSync(path.join(project, 'node_modules', name, 'package.json'))
    for (const name of Object.keys(packageJson.dependencies)) expect(installed(name), name).toBe(true)
    // Nothing only the tools need (a devDependency that a dependency also uses is a dependency), no embedded engine.
    for (const location of Object.keys(tree)) expect(pinned[location]?.dev, location).toBeUndefined()
    for (const name of ['typescript', 'tsx', 'vitest', 'eslint', ...Object.keys(packageJson.optionalDependencies)]) expect(installed(name), name).toBe(false)
    const imports = Object.keys(packageJson.dependencies).map((name) => `await import(${JSON.stringify(name)})`).join(';')
    await run(process.execPath, ['--input-type=module', '-e', imports], { cwd: project, timeout: 30_000 })
  }, 150_000)

  it('resolves the build stage\'s install (everything the compiler reads) from the committed lockfile', async () => {
    const project = path.join(directory.path, 'build')
    await run('mkdir', ['-p', project])
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, file), path.join(project, file))
    const install = npmInstall(stage('build'))
    expect(install.split(' ')).not.toContain('--omit=dev')
    const planned = await runNpm(install, project, ['--dry-run', '--prefer-offline'])
    expect(planned).toMatch(/^add typescript \d/m)
    expect(planned).toMatch(/^add chdb \d/m)
  }, 150_000)
})

describe('docker-compose.yml: switchyard\'s services', () => {
  const serviceSchema = z.object({
    image: z.string().optional(),
    build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
    entrypoint: z.unknown().optional(),
    command: z.array(z.string()).optional(),
    volumes: z.array(z.string()).optional(),
  })
  const compose = z.object({ services: z.record(z.string(), serviceSchema) })
    .parse(parse(read('dashboards/docker-compose.yml'), { merge: true }))
  const switchyardServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined)

  it('builds the collector, the gateway and migrate from the repository\'s Dockerfile and installs nothing at start', () => {
    expect(switchyardServices.map(([name]) => name).sort()).toEqual(['collector', 'gateway', 'migrate'])
    for (const [name, service] of switchyardServices) {
      expect(path.resolve(root, 'dashboards', service.build!.context), name).toBe(path.resolve(root))
      expect(service.build!.dockerfile, name).toBe('Dockerfile')
      expect(service.entrypoint, name).toBeUndefined()
      // No bind mount of the repository: the image holds the compiled code. A config file may be mounted, read-only.
      for (const volume of service.volumes ?? []) {
        if (/^\.\/[\w.-]+\.(yaml|yml|json):[^:]+:ro$/.test(volume)) continue
        expect(volume, name).not.toMatch(/^\.\.?(\/|:)/)
      }
    }
    const uncommented = read('dashboards/docker-compose.yml').split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n')
    expect(uncommented).not.toMatch(/\bnpm (ci|install)\b/)
  })

  it('runs only commands the CLI has', async () => {
    for (const [name, service] of switchyardServices) {
      const [command = ''] = service.command ?? []
      expect(await runCli([command, '--help']), `${name}: switchyard ${command}`).toBe(0)
    }
  })
})

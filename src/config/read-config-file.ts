import { open, stat } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseDocument } from 'yaml'
import { ConfigError } from '../errors/config-error.js'
import { redactSecrets } from '../providers/redact-secrets.js'
import { configFileError, positionOf } from './config-file-error.js'
import { jsonErrorOffset } from './json-error-offset.js'

/** A config is a few kilobytes; anything near this is a wrong file, read before it is parsed. */
export const maximumConfigFileBytes = 4 * 1024 * 1024

/** A config has no use for YAML aliases beyond a few shared blocks; more is an alias bomb. */
const maximumYamlAliases = 100

/** Each import of an ES module config gets its own URL, so a reload sees the file as it is now. */
let importGeneration = 0

/**
 * The raw value of a config file, chosen by its extension: `.json`, `.yaml`/`.yml`,
 * or an ES module (`.js`/`.mjs`) whose default export (else its named exports) is the config or a function
 * returning it (or a promise of it). The size is checked before anything is parsed.
 * Every failure is a ConfigError naming the file, and the line and column of a syntax
 * error; none carries a stack or quotes the file.
 */
export async function readConfigFile(file: string): Promise<unknown> {
  const extension = path.extname(file).toLowerCase()
  if (!['.json', '.yaml', '.yml', '.js', '.mjs'].includes(extension)) {
    throw configFileError(file, 'use a .json, .yaml, .yml, .js or .mjs file')
  }
  const absolute = path.resolve(file)
  await checkSize(file, absolute)
  if (extension === '.js' || extension === '.mjs') return importModule(file, absolute)
  const text = await readBoundedText(file, absolute)
  return extension === '.json' ? parseJson(file, text) : parseYaml(file, text)
}

async function checkSize(file: string, absolute: string): Promise<void> {
  let size: number
  try {
    const stats = await stat(absolute)
    if (!stats.isFile()) throw configFileError(file, 'is not a file')
    size = stats.size
  } catch (error) {
    if (ConfigError.isInstance(error)) throw error
    throw configFileError(file, systemProblem(error))
  }
  if (size > maximumConfigFileBytes) {
    throw configFileError(file, `is ${size} bytes; a config file may have at most ${maximumConfigFileBytes}`)
  }
}

/** Reads at most one byte past the bound, so a file that grew since `stat` is still refused. */
async function readBoundedText(file: string, absolute: string): Promise<string> {
  let bytes: Buffer
  try {
    const handle = await open(absolute, 'r')
    try {
      const buffer = Buffer.alloc(maximumConfigFileBytes + 1)
      let filled = 0
      // Each pass reads at least one byte or stops, so this ends within the buffer's length.
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      bytes = buffer.subarray(0, filled)
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw configFileError(file, systemProblem(error))
  }
  if (bytes.length > maximumConfigFileBytes) throw configFileError(file, `has more than ${maximumConfigFileBytes} bytes, the most a config file may have`)
  return bytes.toString('utf8').replace(/^\uFEFF/, '')
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // V8's message may quote the text around the error, and the file may hold a secret: say only where it is.
    const offset = jsonErrorOffset(text) ?? 0
    const found = offset >= text.length ? 'the end of the file' : JSON.stringify(text[offset])
    throw configFileError(file, `invalid JSON: unexpected ${found}`, positionOf(text, offset))
  }
}

function parseYaml(file: string, text: string): unknown {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true, merge: false, schema: 'core' })
  const problem = document.errors[0]
  if (problem !== undefined) {
    throw configFileError(file, `invalid YAML: ${redactSecrets(problem.message.split('\n')[0]?.slice(0, 200) ?? '')}`, positionOf(text, problem.pos[0]))
  }
  try {
    return document.toJS({ maxAliasCount: maximumYamlAliases })
  } catch (error) {
    throw configFileError(file, `invalid YAML: ${error instanceof Error ? error.message : String(error)} (at most ${maximumYamlAliases} alias uses)`)
  }
}

async function importModule(file: string, absolute: string): Promise<unknown> {
  importGeneration += 1
  let exported: unknown
  try {
    const module = (await import(`${pathToFileURL(absolute).href}?generation=${importGeneration}`)) as Record<string, unknown>
    // The default export; without one, the named exports are the config (`export const budgets = [...]`).
    exported = 'default' in module ? module.default : namedExports(module)
    if (typeof exported === 'function') exported = await withinTime(Promise.resolve((exported as () => unknown)()), file)
  } catch (error) {
    if (ConfigError.isInstance(error)) throw error
    throw configFileError(file, `the module failed: ${firstLine(error)}`)
  }
  if (exported === undefined) throw configFileError(file, 'exports nothing; write `export default { providers: ... }`')
  return exported
}

/** A module's named exports as a plain object, or undefined when it has none. */
function namedExports(module: Record<string, unknown>): Record<string, unknown> | undefined {
  const names = Object.keys(module)
  return names.length === 0 ? undefined : Object.fromEntries(names.map((name) => [name, module[name]]))
}

/** A config function that never settles would hang every start and reload; it gets this long. */
const moduleFunctionTimeoutMs = 30_000

async function withinTime(promise: Promise<unknown>, file: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(configFileError(file, `its default export did not return a config within ${moduleFunctionTimeoutMs / 1000} s`)), moduleFunctionTimeoutMs)
    timer.unref()
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function systemProblem(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory, not a file'
  return firstLine(error)
}

/** A parser's or module's own message, first line only, with anything shaped like a key removed. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return redactSecrets((message.split('\n')[0] ?? '').slice(0, 300))
}

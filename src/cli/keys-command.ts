import type { Readable, Writable } from 'node:stream'
import { virtualKeyConfigSchema, type VirtualKeyConfig } from '../config/gateway-config.js'
import { configIssuePath } from '../config/config-issue-path.js'
import { zodConfigIssues } from '../config/zod-config-issues.js'
import { createVirtualKey, hashVirtualKey } from '../gateway/keys/virtual-key.js'
import { maximumPresentedKeyLength } from '../gateway/keys/virtual-key-table.js'
import { CliUsageError, parseCliArguments } from './cli-arguments.js'

const help = `usage: switchyard keys create --name <name> [--route <route>]... [--tag <key>=<value>]... [--json]
       switchyard keys hash < key.txt

Virtual keys let clients call the gateway. switchyard stores only a key's hash:

  create   make a new key, print it once, and print the entry to add to gateway.keys
           in your config (the entry holds the hash, never the key)
    --name <name>        the key's name, also its span tag switchyard.tag.key
    --route <route>      a route name or provider/model the key may call (repeatable;
                         none: every route and model)
    --tag <key>=<value>  a reporting tag every call with this key carries (repeatable)
    --json               print one JSON line { "name", "key", "hash" } instead

  hash     read an existing key from stdin and print its hash, to move a key you
           already hand out into gateway.keys`

/** Where the command reads a key from and writes its answers; the process's own unless a test passes its own. */
export interface KeysCommandStreams {
  input: Readable
  output: Writable
}

/** A pasted key with its newline is tiny; stop reading stdin well before anything large. */
const maximumInputBytes = 4096

/** `switchyard keys`: make a virtual key and its config entry, or hash an existing key. */
export async function runKeysCommand(argv: string[], streams: KeysCommandStreams = { input: process.stdin, output: process.stdout }): Promise<number> {
  const [subcommand, ...rest] = argv
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    write(streams.output, help)
    return subcommand === undefined ? 2 : 0
  }
  if (subcommand === 'create') return createKey(rest, streams.output)
  if (subcommand === 'hash') return hashKey(rest, streams)
  throw new CliUsageError(`unknown keys subcommand ${JSON.stringify(subcommand)}: use create or hash (see switchyard keys --help)`)
}

function createKey(argv: string[], output: Writable): number {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    name: { type: 'string' },
    route: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  })
  if (values.help) {
    write(output, help)
    return 0
  }
  if (values.name === undefined) throw new CliUsageError('keys create needs --name <name>')
  const { key, hash } = createVirtualKey()
  const entry = validEntry({
    name: values.name,
    hash,
    ...(values.route === undefined ? {} : { routes: values.route }),
    ...(values.tag === undefined ? {} : { tags: parseTags(values.tag) }),
  })
  if (values.json) {
    write(output, JSON.stringify({ name: entry.name, key, hash }))
    return 0
  }
  write(output, [
    `Virtual key "${entry.name}" (shown once: switchyard keeps only its hash, so store it now):`,
    '',
    `  ${key}`,
    '',
    'Add this entry to gateway.keys in your config:',
    '',
    `  ${JSON.stringify(entry)}`,
  ].join('\n'))
  return 0
}

function parseTags(tags: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {}
  for (const tag of tags) {
    const equals = tag.indexOf('=')
    if (equals <= 0) throw new CliUsageError(`--tag must be <key>=<value> (got ${JSON.stringify(tag.slice(0, 100))})`)
    const name = tag.slice(0, equals)
    if (Object.hasOwn(result, name)) throw new CliUsageError(`--tag ${JSON.stringify(name)} is given twice`)
    Object.defineProperty(result, name, { value: tag.slice(equals + 1), enumerable: true, writable: true, configurable: true })
  }
  return result
}

/** The entry as the config will check it, so a name the gateway would refuse is refused now. */
function validEntry(entry: VirtualKeyConfig): VirtualKeyConfig {
  const result = virtualKeyConfigSchema.safeParse(entry)
  if (result.success) return result.data
  const flags: Record<string, string> = { name: '--name', routes: '--route', tags: '--tag' }
  const problems = zodConfigIssues(result.error.issues).map((issue) => {
    const field = typeof issue.path[0] === 'string' ? issue.path[0] : ''
    return `${flags[field] ?? configIssuePath(issue.path)}: ${issue.message}`
  })
  throw new CliUsageError(problems.join('; '))
}

async function hashKey(argv: string[], streams: KeysCommandStreams): Promise<number> {
  const { values } = parseCliArguments(argv, { help: { type: 'boolean' } })
  if (values.help) {
    write(streams.output, help)
    return 0
  }
  const key = (await readBounded(streams.input)).trim()
  if (key === '') throw new CliUsageError('keys hash reads the key from stdin, and stdin was empty')
  if (key.length > maximumPresentedKeyLength || /\s/.test(key)) {
    throw new CliUsageError(`keys hash takes one key of at most ${maximumPresentedKeyLength} characters without spaces on stdin`)
  }
  write(streams.output, hashVirtualKey(key))
  return 0
}

async function readBounded(input: Readable): Promise<string> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    length += buffer.length
    if (length > maximumInputBytes) {
      input.destroy()
      throw new CliUsageError(`keys hash reads one key from stdin; got more than ${maximumInputBytes} bytes`)
    }
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function write(output: Writable, text: string): void {
  output.write(`${text}\n`)
}

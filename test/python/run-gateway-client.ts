import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** test/python/gateway_client.py: the official openai Python package as a gateway client. */
export const gatewayClientScript = fileURLToPath(new URL('./gateway_client.py', import.meta.url))

export type GatewayClientScenario = 'chat' | 'stream' | 'tools' | 'embeddings' | 'errors'

export interface RunGatewayClientOptions {
  /** The venv's python (findExternalPart('python-openai').executable). */
  python: string
  /** The gateway's OpenAI base URL, ending in /v1. */
  baseUrl: string
  /** The virtual key; handed over in the environment, never on the command line. */
  apiKey: string
  model: string
  scenarios: GatewayClientScenario[]
  embeddingModel?: string
  unknownModel?: string
  /** The whole run's bound; the script is killed past it. Default 45 s. */
  timeoutMs?: number
}

interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  /** The usage fields OpenAI does not define, as the client kept them (pydantic's extras). */
  extra: Record<string, unknown>
}

interface ToolCall {
  id: string
  type: string
  name: string
  arguments: string
}

interface ErrorSummary {
  class: string | null
  is_bad_request?: boolean
  is_not_found?: boolean
  is_authentication?: boolean
  status: number | null
  message?: string | null
  type?: string | null
  code?: string | null
  text?: string
}

type SwitchyardHeaders = Record<'x-switchyard-cost-usd' | 'x-switchyard-provider' | 'x-switchyard-model' | 'x-switchyard-attempts', string | null>

/** What gateway_client.py printed: the values the openai client received, per scenario. */
export interface GatewayClientSummary {
  openai_version: string
  python_version: string
  chat?: {
    status: number
    headers: SwitchyardHeaders
    id: string
    object: string
    model: string
    content: string | null
    role: string
    finish_reason: string
    usage: Usage | null
  }
  stream?: {
    status: number
    content_type: string | null
    headers: SwitchyardHeaders
    chunks: number
    ids: string[]
    content: string
    finish_reason: string | null
    usage: Usage | null
    usage_chunk_choices: number | null
  }
  tools?: {
    first: { finish_reason: string; tool_calls: ToolCall[]; usage: Usage | null }
    second: { finish_reason: string; content: string | null; usage: Usage | null }
    tool_result: string
  }
  embeddings?: {
    model: string
    vectors: { index: number; embedding: number[] }[]
    usage: { prompt_tokens: number; total_tokens: number }
  }
  errors?: { bad_request: ErrorSummary; unknown_model: ErrorSummary; unauthorized: ErrorSummary; wrong_key: string }
}

const maximumOutputBytes = 4 * 1024 * 1024

/**
 * Runs gateway_client.py with the venv's python and returns its JSON summary. The child
 * gets a minimal environment (no OPENAI_BASE_URL or proxy settings leaking in from the
 * developer's shell), is killed when `timeoutMs` passes, and its output is bounded; a
 * failure rejects with the script's stderr, which names the scenario that broke.
 */
export function runGatewayClient(options: RunGatewayClientOptions): Promise<GatewayClientSummary> {
  const commandLine = [
    gatewayClientScript,
    '--base-url', options.baseUrl,
    '--model', options.model,
    '--scenarios', options.scenarios.join(','),
    ...(options.embeddingModel === undefined ? [] : ['--embedding-model', options.embeddingModel]),
    ...(options.unknownModel === undefined ? [] : ['--unknown-model', options.unknownModel]),
  ]
  const child = spawn(options.python, commandLine, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OPENAI_API_KEY: options.apiKey, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const timeoutMs = options.timeoutMs ?? 45_000
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let bytes = 0
    const take = (into: Buffer[]) => (chunk: Buffer): void => {
      bytes += chunk.byteLength
      if (bytes > maximumOutputBytes) child.kill('SIGKILL')
      else into.push(chunk)
    }
    child.stdout.on('data', take(stdout))
    child.stderr.on('data', take(stderr))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const errorText = Buffer.concat(stderr).toString('utf8')
      if (code !== 0) {
        const why = signal === null ? `exited with ${code}` : `was killed (${signal}: over ${timeoutMs} ms or ${maximumOutputBytes} bytes of output)`
        reject(new Error(`gateway_client.py ${why}:\n${errorText}`))
        return
      }
      try {
        resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as GatewayClientSummary)
      } catch (error) {
        reject(new Error(`gateway_client.py printed no JSON summary (${String(error)}):\n${errorText}`))
      }
    })
  })
}

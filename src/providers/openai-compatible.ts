import { ConfigError } from '../errors/config-error.js'
import { azureQuery, hostPresets, type HostPresetName } from './host-presets.js'
import { OpenAIProvider, type AuthStyle } from './openai/openai-provider.js'

export interface OpenAICompatibleProviderOptions {
  /** The name on spans (`groq`, `openrouter`, `azure.ai.openai`, ...). */
  providerName: string
  /**
   * A known host (see host-presets.ts): fills in the base URL, auth style, token
   * field and stream quirks; anything set here beside it wins.
   */
  preset?: HostPresetName
  /**
   * Up to and including the version prefix: `https://api.groq.com/openai/v1`,
   * `https://openrouter.ai/api/v1`, `http://127.0.0.1:11434/v1` (Ollama),
   * `https://{resource}.openai.azure.com/openai/deployments/{deployment}` (Azure).
   * Optional only with a preset that has a default address.
   */
  baseURL?: string
  apiKey?: string
  /** `api-key` for Azure OpenAI; `none` for local servers without auth. Default `bearer`. */
  authStyle?: AuthStyle
  headers?: Record<string, string>
  /** Azure OpenAI: `{ 'api-version': '2024-10-21' }` (the azure preset sets it for deployment URLs). */
  query?: Record<string, string>
  timeoutMs?: number
  connections?: number
  /** Default `max_tokens`, which most compatible hosts know; OpenAI, Azure and Groq take `max_completion_tokens`. */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens'
  /** Default `system`: most hosts reject the newer `developer` role. */
  developerRole?: 'developer' | 'system'
}

/**
 * Any OpenAI-format server by base URL: the OpenAI adapter configured with the
 * host's auth style and dialect defaults that suit hosts other than OpenAI, or
 * those of a known host (`preset`). Host extensions (OpenRouter's `usage.cost`,
 * DeepSeek's cache-hit count, Groq's `x_groq.usage`) are read by the shared
 * parsers.
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): OpenAIProvider {
  const preset = options.preset === undefined ? undefined : hostPresets[options.preset]
  const baseURL = options.baseURL ?? preset?.baseURL
  if (baseURL === undefined) {
    const message = `needs a baseURL${preset ? ` (${preset.baseURLShape})` : ''}`
    throw new ConfigError({ message: `OpenAI-compatible provider "${options.providerName}" ${message}`, issues: [{ path: 'baseURL', message }] })
  }
  return new OpenAIProvider({
    ...options,
    baseURL,
    authStyle: options.authStyle ?? preset?.authStyle,
    query: options.preset === 'azure' ? azureQuery(baseURL, options.query) : options.query,
    maxTokensField: options.maxTokensField ?? preset?.maxTokensField ?? 'max_tokens',
    developerRole: options.developerRole ?? preset?.developerRole ?? 'system',
    streamUsageOption: preset?.streamUsageOption ?? true,
    providerType: 'openai-compatible',
    lacks: preset?.lacks ?? [],
  })
}

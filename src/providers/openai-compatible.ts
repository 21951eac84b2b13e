import { OpenAIProvider, type AuthStyle } from './openai/openai-provider.js'

export interface OpenAICompatibleProviderOptions {
  /** The name on spans (`groq`, `openrouter`, `azure.ai.openai`, ...). */
  providerName: string
  /**
   * Up to and including the version prefix: `https://api.groq.com/openai/v1`,
   * `https://openrouter.ai/api/v1`, `http://127.0.0.1:11434/v1` (Ollama),
   * `https://{resource}.openai.azure.com/openai/deployments/{deployment}` (Azure).
   */
  baseURL: string
  apiKey?: string
  /** `api-key` for Azure OpenAI; `none` for local servers without auth. Default `bearer`. */
  authStyle?: AuthStyle
  headers?: Record<string, string>
  /** Azure OpenAI: `{ 'api-version': '2024-10-21' }`. */
  query?: Record<string, string>
  timeoutMs?: number
  connections?: number
  /** Default `max_tokens`, which every compatible host knows; OpenAI itself uses `max_completion_tokens`. */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens'
  /** Default `system`: most hosts reject the newer `developer` role. */
  developerRole?: 'developer' | 'system'
}

/**
 * Any OpenAI-format server by base URL: the OpenAI adapter configured with the
 * host's auth style and dialect defaults that suit hosts other than OpenAI.
 * Host extensions (OpenRouter's `usage.cost`, DeepSeek's cache-hit count) are
 * read by the shared usage parser.
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): OpenAIProvider {
  return new OpenAIProvider({
    ...options,
    maxTokensField: options.maxTokensField ?? 'max_tokens',
    developerRole: options.developerRole ?? 'system',
  })
}

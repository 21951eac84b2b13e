import type { ChatCompletionsDialect } from './openai/chat-completions-body.js'
import type { AuthStyle } from './openai/openai-provider.js'
import type { HostLack } from './openai/openai-request-support.js'

/** The OpenAI-compatible hosts switchyard knows the quirks of. */
export const hostPresetNames = ['azure', 'groq', 'together', 'mistral', 'deepseek', 'openrouter', 'vllm', 'ollama'] as const

export type HostPresetName = (typeof hostPresetNames)[number]

/** What a preset fills in; anything the config sets itself wins. */
export interface HostPreset extends ChatCompletionsDialect {
  /** Absent: the host has no one address (Azure: per resource and deployment), so the config must give it. */
  baseURL?: string
  /** What `baseURL` looks like, for the error when it is missing. */
  baseURLShape: string
  authStyle: AuthStyle
  /** Request features the host does not serve: asking one of them is an error before any call (see openaiUnsupportedField). */
  lacks?: readonly HostLack[]
}

/**
 * Each host's dialect, checked against its documentation or, where that is silent,
 * against the issue threads of clients that hit the difference (dates: 2025-2026):
 *
 * - azure: the key goes in an `api-key` header, and deployment URLs take an
 *   `api-version` query parameter (the v1 API, `.../openai/v1`, GA since August
 *   2025, takes none). Reasoning deployments (o-series, gpt-5) answer 400
 *   "Unsupported parameter: 'max_tokens' ... Use 'max_completion_tokens'"
 *   (learn.microsoft.com, "Azure OpenAI reasoning models"; Azure/agentops#151), and
 *   the other deployments take `max_completion_tokens` too, so it is the field.
 * - groq: `https://api.groq.com/openai/v1`; takes `max_completion_tokens`
 *   (groq-python #175 added it, `max_tokens` is deprecated). Streams carry usage in
 *   `x_groq.usage` of the last chunk (vercel/ai#1651) and, when asked with
 *   `stream_options`, as a usage chunk too; both are read.
 * - together: `https://api.together.xyz/v1` (docs.together.ai, OpenAI
 *   compatibility; `api.together.ai` is the same service); `max_tokens`.
 * - mistral: `https://api.mistral.ai/v1`; refuses unknown fields with 422
 *   `extra_forbidden`, among them `max_completion_tokens` (editor-code-assistant/eca#231)
 *   and `stream_options` (BerriAI/litellm#8978), so neither is sent. That its streams
 *   end with a usage chunk unasked is what those threads report, not confirmed in
 *   Mistral's own docs.
 * - deepseek: `https://api.deepseek.com` (its docs; `/v1` also works); `max_tokens`;
 *   cache hits as `usage.prompt_cache_hit_tokens`, read by the shared usage parser.
 * - openrouter: `https://openrouter.ai/api/v1`; every answer carries usage with
 *   `cost` in credits (USD), and `usage: { include: true }` is deprecated and has no
 *   effect (openrouter.ai/docs, "Usage Accounting"), so nothing extra is sent.
 * - vllm, ollama: local servers (`127.0.0.1:8000/v1`, `127.0.0.1:11434/v1`), no
 *   auth unless a key is configured (vLLM's `--api-key` checks a bearer token);
 *   `max_tokens`, which both take. Ollama honouring `stream_options` is not
 *   confirmed here; without it a stream simply reports no usage.
 *
 * Every host gets the `system` role for `developer` messages: only OpenAI itself
 * and Azure's newest API versions know `developer`.
 *
 * What a host lacks (`lacks`) is refused before the call rather than sent to be
 * ignored or refused there: DeepSeek's `response_format` takes `json_object`
 * only, its chat API takes no images and has no `reasoning_effort` (deepseek-reasoner
 * always reasons); Mistral refuses `reasoning_effort` as an unknown field (its
 * reasoning models take `prompt_mode` instead, through providerOptions); Ollama's
 * OpenAI-compatible endpoint takes images as base64 `data:` URLs only. A host not
 * listed as lacking a feature may still lack it for a given model (vision,
 * reasoning and schema support vary by model on Groq, Together, OpenRouter and
 * local servers); its answer then says so.
 */
export const hostPresets: Record<HostPresetName, HostPreset> = {
  azure: {
    baseURLShape: 'https://{resource}.openai.azure.com/openai/deployments/{deployment} or https://{resource}.openai.azure.com/openai/v1',
    authStyle: 'api-key',
    maxTokensField: 'max_completion_tokens',
    developerRole: 'system',
  },
  groq: {
    baseURL: 'https://api.groq.com/openai/v1',
    baseURLShape: 'https://api.groq.com/openai/v1',
    authStyle: 'bearer',
    maxTokensField: 'max_completion_tokens',
    developerRole: 'system',
  },
  together: {
    baseURL: 'https://api.together.xyz/v1',
    baseURLShape: 'https://api.together.xyz/v1',
    authStyle: 'bearer',
    maxTokensField: 'max_tokens',
    developerRole: 'system',
  },
  mistral: {
    baseURL: 'https://api.mistral.ai/v1',
    baseURLShape: 'https://api.mistral.ai/v1',
    authStyle: 'bearer',
    maxTokensField: 'max_tokens',
    developerRole: 'system',
    streamUsageOption: false,
    lacks: [{ feature: 'reasoning', reason: 'Mistral refuses reasoning_effort (an unknown field, 422); its reasoning models take prompt_mode via providerOptions' }],
  },
  deepseek: {
    baseURL: 'https://api.deepseek.com',
    baseURLShape: 'https://api.deepseek.com',
    authStyle: 'bearer',
    maxTokensField: 'max_tokens',
    developerRole: 'system',
    lacks: [
      { feature: 'json_schema', reason: "DeepSeek's response_format takes json_object only, no schema" },
      { feature: 'reasoning', reason: 'DeepSeek has no reasoning_effort (deepseek-reasoner always reasons, deepseek-chat never)' },
      { feature: 'image_url', reason: "DeepSeek's chat API takes no images" },
      { feature: 'image_data', reason: "DeepSeek's chat API takes no images" },
    ],
  },
  openrouter: {
    baseURL: 'https://openrouter.ai/api/v1',
    baseURLShape: 'https://openrouter.ai/api/v1',
    authStyle: 'bearer',
    maxTokensField: 'max_tokens',
    developerRole: 'system',
  },
  vllm: {
    baseURL: 'http://127.0.0.1:8000/v1',
    baseURLShape: 'http://{host}:8000/v1',
    authStyle: 'bearer',
    maxTokensField: 'max_tokens',
    developerRole: 'system',
  },
  ollama: {
    baseURL: 'http://127.0.0.1:11434/v1',
    baseURLShape: 'http://{host}:11434/v1',
    authStyle: 'none',
    maxTokensField: 'max_tokens',
    developerRole: 'system',
    lacks: [{ feature: 'image_url', reason: "Ollama's OpenAI-compatible API takes images as base64 data: URLs only, not by URL" }],
  },
}

/** The `api-version` Azure deployment URLs get when the config names none: the GA version of the deployments API. */
export const defaultAzureApiVersion = '2024-10-21'

/** Azure's v1 API (`.../openai/v1`) is unversioned; deployment URLs need `api-version`. */
export function azureQuery(baseURL: string, query: Record<string, string> | undefined): Record<string, string> {
  const versioned = !/\/openai\/v1\/?$/.test(new URL(baseURL).pathname)
  return versioned ? { 'api-version': defaultAzureApiVersion, ...query } : { ...query }
}

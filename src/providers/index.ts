export type { Provider, ProviderRequest, StreamEvent } from './provider.js'
export {
  isProviderError,
  ProviderError,
  providerErrorCodes,
  type ProviderErrorCode,
  type ProviderErrorOptions,
} from './provider-error.js'
export { providerConfigSchema, type ProviderConfig } from './provider-config.js'
export { createProvider, ProviderConfigError } from './create-provider.js'
export { createOpenAIProvider, OpenAIProvider, type AuthStyle, type OpenAIProviderOptions } from './openai/openai-provider.js'
export { createOpenAICompatibleProvider, type OpenAICompatibleProviderOptions } from './openai-compatible.js'
export { AnthropicProvider, createAnthropicProvider, type AnthropicProviderOptions } from './anthropic/anthropic-provider.js'
export { createGeminiProvider, GeminiProvider, type GeminiProviderOptions } from './gemini/gemini-provider.js'
export {
  createSimulatedProvider,
  SimulatedProvider,
  type SimulatedProviderOptions,
} from './simulated/simulated-provider.js'
export type { SimulatedFault, SimulatedOptions } from './simulated/simulated-options.js'
export { parseServerSentEvents, type ServerSentEvent } from './sse.js'
export { redactSecrets } from './redact-secrets.js'

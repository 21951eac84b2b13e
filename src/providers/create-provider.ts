import { ConfigError, type ConfigIssue } from '../errors/config-error.js'
import { AnthropicProvider } from './anthropic/anthropic-provider.js'
import { GeminiProvider } from './gemini/gemini-provider.js'
import { createOpenAICompatibleProvider } from './openai-compatible.js'
import { OpenAIProvider } from './openai/openai-provider.js'
import type { Provider } from './provider.js'
import { providerConfigSchema, type ProviderConfig } from './provider-config.js'
import { SimulatedProvider } from './simulated/simulated-provider.js'

/** A provider config that cannot work: which provider, and what is wrong, by path. */
export class ProviderConfigError extends ConfigError {
  readonly providerName: string
  /** Each issue as `path: message`. */
  readonly problems: string[]

  constructor(providerName: string, issues: readonly ConfigIssue[]) {
    const problems = issues.map((issue) => `${issue.path}: ${issue.message}`)
    super({ message: `provider "${providerName}" is misconfigured: ${problems.join('; ')}`, issues })
    this.providerName = providerName
    this.problems = problems
  }
}

const requiresKey = new Set(['openai', 'anthropic', 'gemini'])

/**
 * Builds the adapter for one configured provider. The config is validated
 * again here, so that a caller that skipped the router's schema still gets an
 * error naming the bad field, and hosted APIs without a key fail now rather
 * than with a 401 on the first call.
 */
export function createProvider(name: string, config: ProviderConfig): Provider {
  const parsed = providerConfigSchema.safeParse(config)
  if (!parsed.success) {
    throw new ProviderConfigError(
      name,
      parsed.error.issues.map((issue) => ({ path: issue.path.length > 0 ? issue.path.join('.') : 'config', message: issue.message })),
    )
  }
  const valid = parsed.data
  if (valid.type !== 'simulated' && requiresKey.has(valid.type) && valid.apiKey === undefined) {
    throw new ProviderConfigError(name, [{ path: 'apiKey', message: `${valid.type} needs an API key (set it in the config or the environment)` }])
  }
  switch (valid.type) {
    case 'openai':
      return new OpenAIProvider({
        ...valid,
        headers: {
          ...valid.headers,
          ...(valid.organization ? { 'openai-organization': valid.organization } : {}),
          ...(valid.project ? { 'openai-project': valid.project } : {}),
        },
      })
    case 'anthropic':
      return new AnthropicProvider({
        ...valid,
        headers: { ...valid.headers, ...(valid.betas ? { 'anthropic-beta': valid.betas.join(',') } : {}) },
      })
    case 'gemini':
      return new GeminiProvider(valid)
    case 'openai-compatible':
      return createOpenAICompatibleProvider({ ...valid, providerName: valid.providerName ?? name })
    case 'simulated':
      return new SimulatedProvider({ ...valid, providerName: valid.providerName ?? name })
  }
}

// The router's config schema embeds the provider schema from here.
export { providerConfigSchema, type ProviderConfig } from './provider-config.js'

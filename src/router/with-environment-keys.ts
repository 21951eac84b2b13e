import type { RouterConfigInput } from './router-config.js'

/** The config with each provider's API key taken from the environment's keys where the config leaves it out. */
export function withEnvironmentKeys(input: RouterConfigInput, keys: Readonly<Record<string, string | undefined>>): RouterConfigInput {
  if (typeof input !== 'object' || input === null || typeof input.providers !== 'object' || input.providers === null) return input
  const providers = Object.fromEntries(Object.entries(input.providers).map(([name, provider]) => {
    if (typeof provider !== 'object' || provider === null || !('type' in provider) || ('apiKey' in provider && provider.apiKey !== undefined)) return [name, provider]
    const key = keys[provider.type]
    return [name, key === undefined ? provider : { ...provider, apiKey: key }]
  }))
  return { ...input, providers } as RouterConfigInput
}

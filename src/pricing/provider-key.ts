/**
 * Other names for the providers the catalog knows, so that a configured name
 * or an OpenRouter-style prefix finds the same prices (`google/gemini-2.5-pro`
 * → `gcp.gemini`). Users add their own with `createPriceTable({ providerAliases })`.
 */
export const builtInProviderAliases: Readonly<Record<string, string>> = {
  gemini: 'gcp.gemini',
  google: 'gcp.gemini',
  'google-ai-studio': 'gcp.gemini',
  togetherai: 'together',
  together_ai: 'together',
  mistralai: 'mistral',
}

/** The key a provider name is indexed under: lower case, aliases followed once. */
export function providerKey(name: string, aliases: Readonly<Record<string, string>>): string {
  const lower = name.trim().toLowerCase()
  return (aliases[lower] ?? lower).toLowerCase()
}

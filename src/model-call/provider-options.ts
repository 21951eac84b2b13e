/**
 * Fields for one wire format that switchyard does not model, keyed by provider
 * type (`openai`, `openai-compatible`, `anthropic`, `gemini`): each object is
 * merged into that format's JSON body last (objects merged key by key, anything
 * else replaced), and ignored by the others. Body only: never headers or auth.
 */
export type ProviderOptions = Partial<Record<'openai' | 'openai-compatible' | 'anthropic' | 'gemini', Record<string, unknown>>>

import type { RouteTarget } from './router-config.js'

/**
 * The identity of a target, `provider/model`, for keeping one breaker and one
 * latency tracker per target. Unambiguous because provider names cannot hold a
 * "/" (the config schema forbids it), while model names may (`openai/gpt-4.1` on OpenRouter).
 */
export function targetKey(target: Pick<RouteTarget, 'provider' | 'model'>): string {
  return `${target.provider}/${target.model}`
}

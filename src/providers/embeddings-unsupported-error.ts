import { SwitchyardError } from '../errors/switchyard-error.js'

/**
 * A route asked to embed has no target whose provider has an embeddings API
 * (Anthropic has none). Thrown before any call or reservation; `targets` lists
 * each `provider/model` refused, and `providers` their provider names.
 */
export class EmbeddingsUnsupportedError extends SwitchyardError {
  declare readonly code: 'embeddings_unsupported'
  readonly route: string
  readonly targets: string[]
  readonly providers: string[]

  constructor(options: { route: string; targets: { provider: string; model: string; providerName: string }[] }) {
    const providers = [...new Set(options.targets.map((target) => target.providerName))]
    super({
      code: 'embeddings_unsupported',
      message: `route "${options.route}": ${providers.join(', ') || 'no provider'} ${providers.length === 1 ? 'has' : 'have'} no embeddings API (${options.targets.map((target) => `${target.provider}/${target.model}`).join(', ') || 'no target'}); route embeddings to an OpenAI, Gemini or OpenAI-compatible target`,
    })
    this.route = options.route
    this.targets = options.targets.map((target) => `${target.provider}/${target.model}`)
    this.providers = providers
  }
}

export function isEmbeddingsUnsupportedError(error: unknown): error is EmbeddingsUnsupportedError {
  return EmbeddingsUnsupportedError.isInstance(error)
}

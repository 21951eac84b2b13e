import type { InstrumentOptions } from './instrument-options.js'
import { patchMethod } from './patch-method.js'
import { planAnthropicMessage } from './plan-anthropic-message.js'
import { planChatCompletion } from './plan-chat-completion.js'
import { planEmbedding } from './plan-embedding.js'
import { planResponse } from './plan-response.js'
import type { CallPlanner } from './planned-call.js'
import { serverOfUrl } from './server-of-url.js'
import { turnOffSdkCallSpans } from './turn-off-sdk-call-spans.js'
import { wrapApiCall } from './wrap-api-call.js'
import { wrapSettings, type WrapSettings } from './wrap-settings.js'
import { isRecord, stringOrUndefined } from './wire-value.js'

type SdkKind = 'openai' | 'anthropic'

const defaultBaseUrls: Record<SdkKind, string> = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' }

/**
 * Instruments an official `openai` (v5, v6) or `@anthropic-ai/sdk` client in place
 * and returns it: OpenAI's `chat.completions.create`, `responses.create` and
 * `embeddings.create`, Anthropic's `messages.create` and `beta.messages.create`,
 * plain or streamed, and the SDK helpers built on them (`chat.completions.stream`,
 * `responses.stream`, `messages.stream`, `beta.messages.stream`, `parse`,
 * `runTools`), each emit one `chat {model}` (or
 * `embeddings {model}`) CLIENT span with the workflow, step and tags of the caller,
 * priced with the price table at the prices of the service tier the answer
 * names (`switchyard.service_tier`), after passing the price table's `block`
 * unknown-model policy (PriceUnknownError) and `options.budgets`, told the
 * worst case at the prices of the tier the request asks for (a refusal rejects
 * the call with its error before any request is sent). The client stays
 * the same object with the same types: its methods return the SDK's own APIPromise
 * and Stream objects. The client is recognised by shape, so switchyard never
 * imports either SDK. An SDK that emits call spans of its own stops doing so for
 * this client, so each call is counted once.
 */
export function instrument<Client extends object>(client: Client, options: InstrumentOptions = {}): Client {
  const kind = sdkKind(client)
  if (kind === undefined) {
    throw new TypeError(
      'instrument(client): the client is neither an `openai` client (with chat.completions.create) nor an '
        + '`@anthropic-ai/sdk` client (with messages.create). Pass the client object itself, e.g. instrument(new OpenAI()).',
    )
  }
  const fields = client as Record<string, unknown>
  const settings = wrapSettings({
    providerName: options.provider ?? defaultProviderName(kind, client),
    server: serverOfUrl(stringOrUndefined(fields.baseURL) ?? defaultBaseUrls[kind]),
    priceTable: options.priceTable,
    budgets: options.budgets,
    tags: options.tags,
    captureMessageContent: options.captureMessageContent,
  })
  if (kind === 'openai') {
    const chat = isRecord(fields.chat) ? fields.chat : undefined
    patchCreate({ client, resource: chat?.completions, settings, plan: planChatCompletion })
    patchCreate({ client, resource: fields.responses, settings, plan: planResponse })
    patchCreate({ client, resource: fields.embeddings, settings, plan: planEmbedding })
  } else {
    patchCreate({ client, resource: fields.messages, settings, plan: planAnthropicMessage })
    // The beta surface takes the same body (plus `betas`, which the SDK sends as the
    // `anthropic-beta` header) and answers in the same wire format, so it is planned alike.
    const beta = isRecord(fields.beta) ? fields.beta : undefined
    patchCreate({ client, resource: beta?.messages, settings, plan: planAnthropicMessage })
  }
  turnOffSdkCallSpans(client)
  return client
}

function patchCreate(options: {
  client: object
  resource: unknown
  settings: WrapSettings
  plan: (body: unknown, providerName: string) => ReturnType<CallPlanner>
}): void {
  const { client, settings, plan } = options
  patchMethod(options.resource, 'create', (original) => wrapApiCall({ client, original, settings, plan: (body) => plan(body, settings.providerName) }))
}

function sdkKind(client: object): SdkKind | undefined {
  const fields = client as Record<string, unknown>
  const chat = isRecord(fields.chat) ? fields.chat : undefined
  if (hasCreate(chat?.completions)) return 'openai'
  if (hasCreate(fields.messages)) return 'anthropic'
  return undefined
}

function hasCreate(resource: unknown): boolean {
  return isRecord(resource) && typeof resource.create === 'function'
}

function defaultProviderName(kind: SdkKind, client: object): string {
  // The Azure client is a subclass of OpenAI's; the conventions give Azure its own name.
  if (kind === 'openai' && client.constructor.name === 'AzureOpenAI') return 'azure.ai.openai'
  return kind
}

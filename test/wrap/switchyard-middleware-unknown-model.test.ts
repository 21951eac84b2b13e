import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, streamText, wrapLanguageModel } from 'ai'
import { describe, expect, it } from 'vitest'
import { isPriceUnknownError } from '../../src/pricing/price-unknown-error.js'
import { switchyardMiddleware } from '../../src/wrap/switchyard-middleware.js'
import { rejection, type ProviderServer } from '../helpers/provider-server.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'
import { tieredPriceTable } from './tiered-prices.js'

let recorder: SpanRecorder
let server: ProviderServer

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
})

describe('switchyardMiddleware with a price table that blocks unpriced models', () => {
  it('refuses generateText and streamText to an unpriced model before any request, as instrument() does', async () => {
    const provider = createOpenAICompatible({ name: 'loopback', baseURL: `${server.url}/v1`, apiKey: 'sk-ai-sdk-SECRET', includeUsage: true })
    const middleware = switchyardMiddleware({ provider: 'openai', baseURL: `${server.url}/v1`, priceTable: tieredPriceTable('block') })
    const model = wrapLanguageModel({ model: provider('house-model'), middleware })

    const refused = await rejection(generateText({ model, prompt: 'hi', maxRetries: 0 }))
    expect(isPriceUnknownError(refused)).toBe(true)
    expect(refused).toMatchObject({ code: 'price_unknown', provider: 'openai', model: 'house-model' })

    let streamError: unknown
    const streamed = streamText({ model, prompt: 'hi', maxRetries: 0, onError: ({ error }) => { streamError = error } })
    await streamed.consumeStream()
    expect(isPriceUnknownError(streamError)).toBe(true)
    expect(server.requests).toHaveLength(0)
    expect(recorder.calls()).toHaveLength(0)
  })
})

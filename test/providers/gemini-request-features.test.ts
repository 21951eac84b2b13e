import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { GeminiProvider } from '../../src/providers/gemini/gemini-provider.js'
import { isUnsupportedRequestError } from '../../src/providers/unsupported-request-error.js'
import { collect, fixture, fixtureJson, rejection, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'

let server: ProviderServer
let provider: GeminiProvider

beforeAll(async () => {
  server = await startProviderServer()
  provider = new GeminiProvider({ apiKey: 'AIza-FEATURES', baseURL: server.url })
})

afterAll(async () => {
  await provider.close()
  await server.close()
})

afterEach(() => {
  server.reset()
})

const citySchema = { type: 'object', properties: { city: { type: 'string' }, population: { type: 'integer' } }, required: ['city', 'population'] }

describe('Gemini: request features', () => {
  it('sends a schema as responseMimeType + responseJsonSchema and an effort as thinkingLevel (Gemini 3), and reads the JSON back with its signature', async () => {
    server.reply({ body: fixtureJson('gemini/generate-content-json.json') })
    const result = await provider.chat({
      model: 'gemini-3-pro-preview',
      messages: [{ role: 'user', content: 'Paris facts' }],
      responseFormat: { type: 'json_schema', name: 'city_facts', schema: citySchema },
      reasoning: { effort: 'low' },
      maxTokens: 2000,
    })
    const body = server.lastRequest().json() as Record<string, unknown>
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 2000,
      responseMimeType: 'application/json',
      responseJsonSchema: citySchema,
      thinkingConfig: { thinkingLevel: 'LOW' },
    })
    expect(JSON.parse(result.text)).toEqual({ city: 'Paris', population: 2102650 })
    expect(result.thoughtSignature).toBe('CiQBcsjafJ2Vh3xQm8Lr5Tn7Wp1Kd4Hs9Bv6Ny3Mx0Qa2Pe5Lu')
    expect(result.usage.reasoningOutputTokens).toBe(330)
  })

  it('sends json_object as a MIME type alone, a budget as thinkingBudget (Gemini 2.5), and an effort as its budget', async () => {
    server.reply({ sse: fixture('gemini/stream-generate-content.sse') }, { body: fixtureJson('gemini/generate-content.json') })
    await collect(provider.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'JSON' }], responseFormat: { type: 'json_object' }, reasoning: { budgetTokens: 2048 } }))
    expect((server.lastRequest().json() as Record<string, unknown>).generationConfig).toEqual({
      responseMimeType: 'application/json',
      thinkingConfig: { thinkingBudget: 2048 },
    })
    await provider.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'think' }], reasoning: { effort: 'high' } })
    expect((server.lastRequest().json() as Record<string, unknown>).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 24_576 } })
  })

  it('sends images as inlineData (base64) and fileData (URL, typed by its extension), and merges providerOptions.gemini deep and last', async () => {
    server.reply({ body: fixtureJson('gemini/generate-content.json') })
    await provider.chat({
      model: 'gemini-2.5-flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', imageUrl: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'image_url', imageUrl: 'https://img.test/b.JPG?size=large' },
          ],
        },
      ],
      temperature: 0.2,
      providerOptions: { gemini: { generationConfig: { seed: 7, mediaResolution: 'MEDIA_RESOLUTION_LOW' }, safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] }, openai: { store: false } },
    })
    const sent = server.lastRequest()
    const body = sent.json() as Record<string, unknown>
    expect(body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Compare' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://img.test/b.JPG?size=large' } },
        ],
      },
    ])
    expect(body.generationConfig).toEqual({ temperature: 0.2, seed: 7, mediaResolution: 'MEDIA_RESOLUTION_LOW' })
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }])
    expect(body.store).toBeUndefined()
    expect(sent.headers['x-goog-api-key']).toBe('AIza-FEATURES')
  })

  it('refuses parallelToolCalls false and reasoning on Gemini 2.0 before any request; parallelToolCalls true is what it does anyway', async () => {
    const parallel = await rejection(provider.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], parallelToolCalls: false }))
    if (!isUnsupportedRequestError(parallel)) throw new Error(`expected an UnsupportedRequestError, got ${String(parallel)}`)
    expect(parallel.field).toBe('parallelToolCalls')
    expect(parallel.target).toBe('gcp.gemini/gemini-2.5-flash')
    const reasoning = await rejection(collect(provider.stream({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }], reasoning: { effort: 'low' } })))
    expect(isUnsupportedRequestError(reasoning) && reasoning.field).toBe('reasoning')
    const tools = [{ name: 'get_weather', parameters: { type: 'object' } }]
    const jsonWithTools = await rejection(provider.chat({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'hi' }], tools, responseFormat: { type: 'json_object' } }))
    expect(isUnsupportedRequestError(jsonWithTools) && jsonWithTools.field).toBe('responseFormat')
    expect(server.requests).toHaveLength(0)
    expect(provider.unsupportedField({ model: 'gemini-2.5-flash', messages: [], parallelToolCalls: true })).toBeUndefined()
    expect(provider.unsupportedField({ model: 'gemini-3-flash-preview', messages: [], tools, responseFormat: { type: 'json_object' } })).toBeUndefined()
  })
})

import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { instrument } from '../../src/wrap/instrument.js'
import { fixtureJson, type ProviderServer } from '../helpers/provider-server.js'
import { openaiSdks, type OpenAiSdk } from './openai-sdks.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'

let recorder: SpanRecorder
let server: ProviderServer

function client(sdk: OpenAiSdk, options: { captureMessageContent?: boolean }): OpenAI {
  return instrument(new sdk.OpenAI({ apiKey: 'sk-capture-test', baseURL: `${server.url}/v1`, maxRetries: 0 }), options)
}

useRecorderAndServer((started) => {
  ({ recorder, server } = started)
})

describe.each(openaiSdks)('instrument(client, { captureMessageContent }) (openai v$major)', (sdk) => {
  it('records message text for the client that asked for it and not for another client in the same process', async () => {
    server.reply({ body: fixtureJson('openai/chat-completion.json') }, { body: fixtureJson('openai/chat-completion.json') })
    await client(sdk, { captureMessageContent: true }).chat.completions.create({ model: 'o4-mini', messages: [{ role: 'user', content: 'captured prompt text' }] })
    await client(sdk, {}).chat.completions.create({ model: 'o4-mini', messages: [{ role: 'user', content: 'withheld prompt text' }] })

    const [captured, withheld] = recorder.calls()
    expect(recorder.calls()).toHaveLength(2)
    expect(String(captured!.attributes['gen_ai.input.messages'])).toContain('captured prompt text')
    expect(captured!.attributes['gen_ai.output.messages']).toBeDefined()
    expect(withheld!.attributes['gen_ai.input.messages']).toBeUndefined()
    expect(withheld!.attributes['gen_ai.output.messages']).toBeUndefined()
    expect(JSON.stringify(withheld!.attributes)).not.toContain('withheld prompt text')
  })
})

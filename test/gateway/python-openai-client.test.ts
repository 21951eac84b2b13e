import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/start-gateway.js'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import { createStore } from '../../src/store/create-store.js'
import { describeWithPart } from '../helpers/external-parts.js'
import { fixture, fixtureJson, startProviderServer, type ProviderServer } from '../helpers/provider-server.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'
import { runGatewayClient, type GatewayClientSummary } from '../python/run-gateway-client.js'
import { startTestGateway, testConfig, upstreamKey } from './start-test-gateway.js'

// What the upstream serves, and what the Python client must read back through the gateway.
const chatCompletion = fixtureJson('openai/chat-completion.json') as { id: string; model: string; choices: [{ message: { content: string } }] }
const chatStream = fixture('openai/chat-stream.sse')
const toolCalls = fixtureJson('openai/chat-completion-tool-calls.json') as {
  choices: [{ message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } }]
}
const embeddings = fixtureJson('openai/embeddings.json') as { model: string; data: { index: number; embedding: number[] }[] }
const secondTurn = {
  ...chatCompletion,
  id: 'chatcmpl-second-turn-0001',
  choices: [{ index: 0, message: { role: 'assistant', content: 'It is 21 °C in Paris, and 14:05 there.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 260, completion_tokens: 17, total_tokens: 277 },
}

interface StoredSpan {
  step: string
  operation: string
  model: string
  inputTokens: string
  outputTokens: string
  key: string
  cost: string
  attributes: Record<string, string>
}

describeWithPart('python-openai', 'the official openai Python package against the gateway', (python) => {
  const virtualKey = createVirtualKey()
  let upstream: ProviderServer
  let directory: ReturnType<typeof makeTempDirectory>
  let gateway: Gateway | undefined

  beforeAll(async () => {
    upstream = await startProviderServer()
    directory = makeTempDirectory('python-client')
    gateway = await startTestGateway(directory.path, {
      config: testConfig(upstream.url, { gateway: { keys: [{ name: 'python-agent', hash: virtualKey.hash }] } }),
    })
  })

  afterAll(async () => {
    await gateway?.close()
    await upstream?.close()
    directory?.remove()
  })

  function gatewayUrl(): string {
    if (gateway === undefined) throw new Error('the gateway did not start')
    return `${gateway.url}/v1`
  }

  let conversation: GatewayClientSummary

  it('chats, streams with the final usage chunk and runs a tool over two turns, reading what the upstream served', async () => {
    upstream.reply({ body: chatCompletion }, { sse: chatStream }, { body: toolCalls }, { body: secondTurn })
    conversation = await runGatewayClient({
      python: python.executable,
      baseUrl: gatewayUrl(),
      apiKey: virtualKey.key,
      model: 'fast',
      scenarios: ['chat', 'stream', 'tools'],
    })
    expect(conversation.openai_version).toBe(python.version)

    expect(conversation.chat).toMatchObject({
      status: 200,
      id: chatCompletion.id,
      object: 'chat.completion',
      content: chatCompletion.choices[0].message.content,
      role: 'assistant',
      finish_reason: 'stop',
      usage: { prompt_tokens: 1290, completion_tokens: 212, total_tokens: 1502 },
    })
    expect(conversation.chat?.model).toBe(chatCompletion.model)
    expect(conversation.chat?.headers['x-switchyard-model']).toBe(chatCompletion.model)
    expect(conversation.chat?.headers['x-switchyard-provider']).toBe('up')
    expect(conversation.chat?.headers['x-switchyard-attempts']).toBe('1')
    expect(conversation.chat?.headers['x-switchyard-cost-usd']).toMatch(/^\d+(\.\d+)?$/)

    expect(conversation.stream).toMatchObject({
      status: 200,
      content: 'Café ☕ au lait — 日本語 👍🏽',
      finish_reason: 'stop',
      usage: { prompt_tokens: 2006, completion_tokens: 11, total_tokens: 2017 },
      // The usage chunk that include_usage asks for has no choices, as OpenAI sends it.
      usage_chunk_choices: 0,
    })
    expect(conversation.stream?.content_type).toMatch(/^text\/event-stream/)
    expect(conversation.stream?.ids).toHaveLength(1)
    // The gateway's cost rides in the usage chunk, where the client keeps it as an extra field.
    expect(conversation.stream?.usage?.extra.cost_usd).toMatch(/^\d+(\.\d+)?$/)

    const served = toolCalls.choices[0].message.tool_calls
    expect(conversation.tools?.first.finish_reason).toBe('tool_calls')
    expect(conversation.tools?.first.tool_calls).toEqual(
      served.map((call) => ({ id: call.id, type: 'function', name: call.function.name, arguments: call.function.arguments })),
    )
    expect(conversation.tools?.second).toMatchObject({ finish_reason: 'stop', content: secondTurn.choices[0]?.message.content })
  })

  it('sends the upstream the routed model, the provider key and the two-turn tool history, never the virtual key', () => {
    expect(upstream.requests.map((request) => `${request.method} ${request.url}`)).toEqual(Array(4).fill('POST /v1/chat/completions'))
    for (const request of upstream.requests) {
      expect((request.json() as { model: string }).model).toBe('gpt-4o-mini')
      expect(request.headers.authorization).toBe(`Bearer ${upstreamKey}`)
      expect(JSON.stringify(request.headers) + request.body).not.toContain(virtualKey.key)
    }
    expect((upstream.requests[1]?.json() as { stream?: boolean }).stream).toBe(true)

    const history = (upstream.requests[3]?.json() as { messages: { role: string; tool_call_id?: string; content?: unknown; tool_calls?: { id: string }[] }[] }).messages
    const served = toolCalls.choices[0].message.tool_calls
    expect(history.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'tool'])
    expect(history[1]?.tool_calls?.map((call) => call.id)).toEqual(served.map((call) => call.id))
    expect(history.slice(2).map((message) => [message.tool_call_id, message.content])).toEqual(
      served.map((call) => [call.id, conversation.tools?.tool_result]),
    )
  })

  it('embeds two texts: the client asks for base64 by default and decodes the upstream\'s vectors, in input order', async () => {
    upstream.reset()
    upstream.reply({ body: embeddings })
    const summary = await runGatewayClient({
      python: python.executable,
      baseUrl: gatewayUrl(),
      apiKey: virtualKey.key,
      model: 'fast',
      embeddingModel: 'up/text-embedding-3-small',
      scenarios: ['embeddings'],
    })
    const sent = upstream.lastRequest()
    expect(`${sent.method} ${sent.url}`).toBe('POST /v1/embeddings')
    expect(sent.json()).toMatchObject({ model: 'text-embedding-3-small', input: ['first text', 'second text'] })
    expect(sent.headers.authorization).toBe(`Bearer ${upstreamKey}`)
    // base64 carries float32: what the client decodes is each served number rounded to float32.
    const served = [...embeddings.data].sort((left, right) => left.index - right.index)
    expect(summary.embeddings?.vectors).toEqual(served.map((item) => ({ index: item.index, embedding: item.embedding.map(Math.fround) })))
    expect(summary.embeddings?.model).toBe(embeddings.model)
    expect(summary.embeddings?.usage).toEqual({ prompt_tokens: 12, total_tokens: 12 })
  })

  it('raises openai.BadRequestError (400, naming the field), NotFoundError (404) and AuthenticationError (401) without calling the upstream', async () => {
    upstream.reset()
    const { errors } = await runGatewayClient({
      python: python.executable,
      baseUrl: gatewayUrl(),
      apiKey: virtualKey.key,
      model: 'fast',
      unknownModel: 'no-such-route',
      scenarios: ['errors'],
    })
    expect(errors?.bad_request).toMatchObject({ class: 'BadRequestError', is_bad_request: true, status: 400 })
    expect(errors?.bad_request.message).toContain('max_tokens')
    expect(errors?.unknown_model).toMatchObject({ class: 'NotFoundError', is_not_found: true, status: 404 })
    expect(errors?.unknown_model.message).toContain('no-such-route')
    expect(errors?.unauthorized).toMatchObject({ class: 'AuthenticationError', is_authentication: true, status: 401 })
    expect(JSON.stringify(errors?.unauthorized)).not.toContain(errors?.wrong_key)
    expect(upstream.requests).toHaveLength(0)
  })

  it('stores one priced span per upstream call, tagged with the key name and the caller\'s steps, with no secret in it', async () => {
    // The gateway owns its chdb directory while it runs; closing it flushes its spans.
    await gateway?.close()
    gateway = undefined
    const store = await createStore({ url: `chdb://${directory.path}/store` })
    try {
      const result = await store.client.query({
        query: `SELECT SpanAttributes['switchyard.step'] AS step, SpanAttributes['gen_ai.operation.name'] AS operation,
                  SpanAttributes['gen_ai.request.model'] AS model,
                  SpanAttributes['gen_ai.usage.input_tokens'] AS inputTokens, SpanAttributes['gen_ai.usage.output_tokens'] AS outputTokens,
                  SpanAttributes['switchyard.tag.key'] AS key, SpanAttributes['switchyard.cost.usd'] AS cost, SpanAttributes AS attributes
                FROM otel_traces
                WHERE SpanKind = 'Client' AND SpanAttributes['gen_ai.workflow.name'] = {workflow:String}
                ORDER BY Timestamp`,
        query_params: { workflow: 'python-client' },
        format: 'JSONEachRow',
      })
      const spans = await result.json<StoredSpan>()
      expect(spans.map((span) => [span.step, span.operation, span.model, span.inputTokens, span.outputTokens, span.key])).toEqual([
        ['chat', 'chat', 'gpt-4o-mini', '1290', '212', 'python-agent'],
        ['stream', 'chat', 'gpt-4o-mini', '2006', '11', 'python-agent'],
        ['tools', 'chat', 'gpt-4o-mini', '142', '51', 'python-agent'],
        ['tools', 'chat', 'gpt-4o-mini', '260', '17', 'python-agent'],
        // Embeddings have no output tokens, so the span has no such attribute (the Map answers '').
        ['embeddings', 'embeddings', 'text-embedding-3-small', '12', '', 'python-agent'],
      ])
      expect(spans[0]?.cost).toBe(conversation.chat?.headers['x-switchyard-cost-usd'])
      expect(spans[1]?.cost).toBe(conversation.stream?.usage?.extra.cost_usd)
      for (const span of spans) expect(Number(span.cost)).toBeGreaterThan(0)
      const everything = JSON.stringify(spans)
      expect(everything).not.toContain(virtualKey.key)
      expect(everything).not.toContain(upstreamKey)
    } finally {
      await store.close()
    }
  })
})

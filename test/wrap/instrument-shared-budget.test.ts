import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, wrapLanguageModel } from 'ai'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createBudgetGate } from '../../src/budget/budget-gate.js'
import { createBudgetLedger, type BudgetLedger } from '../../src/budget/budget-ledger.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import { SharedBudgetStore } from '../../src/budget/shared/shared-budget-store.js'
import { workflow } from '../../src/telemetry/workflow-context.js'
import { instrument } from '../../src/wrap/instrument.js'
import { switchyardMiddleware } from '../../src/wrap/switchyard-middleware.js'
import { openBudgetStore } from '../budget/budget-test-store.js'
import { startRedisTestServer, type RedisTestServer } from '../budget/shared/redis-test-server.js'
import { describeWithPart } from '../helpers/external-parts.js'
import { collect, fixture, fixtureJson, rejection, type ProviderServer } from '../helpers/provider-server.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import type { SpanRecorder } from './span-recorder.js'
import { tieredPriceTable } from './tiered-prices.js'

const messages = [{ role: 'user' as const, content: 'Plan the migration.' }]
// 1 000 output tokens of tiered-gpt reserve $0.01 and a little input: one call fits $0.015, two do not.
const request = { model: 'tiered-gpt', messages, max_completion_tokens: 1_000 }

let server: ProviderServer
let recorder: SpanRecorder

useRecorderAndServer((started) => {
  ({ server, recorder } = started)
})

/** A chat completion of 10 prompt and 10 output tokens: it settles far below its reservation. */
function completion(): unknown {
  const answer = structuredClone(fixtureJson('openai/chat-completion.json')) as Record<string, unknown>
  answer.model = 'tiered-gpt-2026-01-01'
  answer.usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 }
  return answer
}

describeWithPart('redis-server', 'instrumented clients of two processes sharing a budget in Redis', (part) => {
  let redis: RedisTestServer
  let budgetStore: Awaited<ReturnType<typeof openBudgetStore>>
  let run = 0
  const ledgers: BudgetLedger[] = []

  beforeAll(async () => {
    redis = await startRedisTestServer(part.executable)
    budgetStore = await openBudgetStore('wrap-shared-budget')
  })

  afterEach(async () => {
    await Promise.all(ledgers.splice(0).map((ledger) => ledger.close()))
  })

  afterAll(async () => {
    await budgetStore?.close()
    await redis?.stop()
  })

  /** Two ledgers, as two processes would hold them, over one Redis; each with its gate and its shared store. */
  async function twoProcesses(workflowName: string) {
    run += 1
    const open = async () => {
      const shared = new SharedBudgetStore({ url: redis.url, onUnavailable: 'block', keyPrefix: `wrap-shared-${run}:` })
      const ledger = createBudgetLedger({
        budgets: parseBudgets([{ name: `${workflowName}-cap`, match: { workflow: workflowName }, window: '1h', limitUsd: 0.015 }]),
        source: createSpendSource({ store: budgetStore.store }),
        shared,
      })
      ledgers.push(ledger)
      await ledger.start()
      return { ledger, shared, gate: createBudgetGate({ ledger }) }
    }
    return [await open(), await open()] as const
  }

  function openaiClient(gate: ReturnType<typeof createBudgetGate>): OpenAI {
    const client = new OpenAI({ apiKey: 'sk-shared-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 })
    return instrument(client, { priceTable: tieredPriceTable(), budgets: gate })
  }

  /** Until the provider has received `count` requests (at most 5 s). */
  async function untilRequests(count: number): Promise<void> {
    const deadline = Date.now() + 5_000
    while (server.requests.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(server.requests).toHaveLength(count)
  }

  it('refuses a call of the second process while the first holds the room, sending nothing, and admits it once the first has finished', async () => {
    const [first, second] = await twoProcesses('shared-wrap')
    const firstClient = openaiClient(first.gate)
    const secondClient = openaiClient(second.gate)
    server.reply({ body: completion(), delayMs: 300 })
    const inFlight = workflow('shared-wrap', () => firstClient.chat.completions.create(request))
    await untilRequests(1)

    // The second process has not heard of the first call: its own decision allows, Redis refuses.
    expect(second.ledger.decide({ workflow: 'shared-wrap', provider: 'openai', model: 'tiered-gpt' }, { worstCaseUnits: 10_000_000_000n }).action).toBe('allow')
    const refused = await workflow('shared-wrap', () => rejection(secondClient.chat.completions.create(request)))
    expect(isBudgetExceededError(refused)).toBe(true)
    expect(refused).toMatchObject({ budget: 'shared-wrap-cap', reason: 'limit' })
    expect(server.requests).toHaveLength(1)
    expect(second.ledger.stats().activeReservations).toBe(0)
    // Recorded as a refusal (a route span with the block), not as a model call.
    const refusal = recorder.spans().find((span) => span.name === 'route openai/tiered-gpt')
    expect(refusal?.attributes['switchyard.budget.action']).toBe('block')
    expect(recorder.calls()).toHaveLength(0)

    expect((await inFlight).usage?.completion_tokens).toBe(10)
    // The first call settled at 20 tokens: once the second process's figures are fresh, the room is back.
    await first.shared.flush()
    await second.shared.flush()
    server.reply({ body: completion() })
    const { data, response } = await workflow('shared-wrap', () => secondClient.chat.completions.create(request).withResponse())
    expect(data.usage?.total_tokens).toBe(20)
    expect(response.status).toBe(200)
    expect(server.requests).toHaveLength(2)
    expect(recorder.calls()).toHaveLength(2)
  })

  it('refuses a stream the same way: the SDK\'s promise rejects with the budget error and the provider gets nothing', async () => {
    const [first, second] = await twoProcesses('shared-stream')
    const held = first.ledger.reserve({ scope: { workflow: 'shared-stream' }, worstCaseUnits: 12_000_000_000n })
    await held.admission
    const refused = await workflow('shared-stream', () => rejection(openaiClient(second.gate).chat.completions.create({ ...request, stream: true })))
    expect(isBudgetExceededError(refused)).toBe(true)
    expect(server.requests).toHaveLength(0)
    held.release()
  })

  it('sends an admitted stream once Redis has admitted it, and records it as a stream of the SDK', async () => {
    const [, second] = await twoProcesses('shared-stream-admitted')
    server.reply({ sse: fixture('openai/chat-stream.sse') })
    const stream = await workflow('shared-stream-admitted', () => openaiClient(second.gate).chat.completions.create({ ...request, stream: true }))
    const text = (await collect(stream)).map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')
    expect(text.length).toBeGreaterThan(0)
    expect(server.requests).toHaveLength(1)
    expect(recorder.calls()).toHaveLength(1)
    expect(second.ledger.stats().activeReservations).toBe(0)
    // Settled at the stream's usage: Redis holds it as unconfirmed, nothing in flight.
    const [figure] = await second.shared.figures()
    expect(figure!.reservedUnits).toBe(0n)
    expect(figure!.unconfirmedUnits).toBeGreaterThan(0n)
  })

  it('makes the AI SDK middleware wait for the shared admission: a refused step never reaches the provider', async () => {
    const [first, second] = await twoProcesses('shared-ai-sdk')
    const held = first.ledger.reserve({ scope: { workflow: 'shared-ai-sdk' }, worstCaseUnits: 12_000_000_000n })
    await held.admission
    const provider = createOpenAICompatible({ name: 'loopback', baseURL: `${server.url}/v1`, apiKey: 'sk-ai-sdk-SECRET', includeUsage: true })
    const model = wrapLanguageModel({
      model: provider('tiered-gpt'),
      middleware: switchyardMiddleware({ provider: 'openai', priceTable: tieredPriceTable(), budgets: second.gate }),
    })
    const refused = await workflow('shared-ai-sdk', () => rejection(generateText({ model, prompt: 'hi', maxOutputTokens: 1_000, maxRetries: 0 })))
    expect(isBudgetExceededError(refused)).toBe(true)
    expect(server.requests).toHaveLength(0)
    expect(second.ledger.stats().activeReservations).toBe(0)
    held.release()
  })
})

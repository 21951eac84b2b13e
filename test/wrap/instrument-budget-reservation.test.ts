import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isBudgetExceededError } from '../../src/budget/budget-exceeded-error.js'
import { createBudgetGate } from '../../src/budget/budget-gate.js'
import { createBudgetLedger } from '../../src/budget/budget-ledger.js'
import { createSpendSource } from '../../src/budget/create-spend-source.js'
import { parseBudgets } from '../../src/budget/parse-budgets.js'
import type { UnknownModelPolicy } from '../../src/pricing/unknown-model-policy.js'
import { workflow } from '../../src/telemetry/workflow-context.js'
import { instrument } from '../../src/wrap/instrument.js'
import { openBudgetStore } from '../budget/budget-test-store.js'
import { fixtureJson, rejection, type ProviderServer } from '../helpers/provider-server.js'
import { useRecorderAndServer } from './recorder-and-server.js'
import { tieredPriceTable } from './tiered-prices.js'

const messages = [{ role: 'user' as const, content: 'Plan the migration.' }]

let server: ProviderServer
let budgetStore: Awaited<ReturnType<typeof openBudgetStore>>

useRecorderAndServer((started) => {
  ({ server } = started)
})
beforeAll(async () => {
  budgetStore = await openBudgetStore('wrap-budget-reservation')
})
afterAll(async () => {
  await budgetStore.close()
})

/** A real ledger over the embedded store, with one budget of `limitUsd` for `workflowName`, and the gate over it. */
async function gateWith(workflowName: string, limitUsd: number) {
  const ledger = createBudgetLedger({
    budgets: parseBudgets([{ name: `${workflowName}-cap`, match: { workflow: workflowName }, window: '1h', limitUsd }]),
    source: createSpendSource({ store: budgetStore.store }),
  })
  await ledger.start()
  return { ledger, gate: createBudgetGate({ ledger }) }
}

function openaiClient(options: { gate: ReturnType<typeof createBudgetGate>; unknownModel?: UnknownModelPolicy }): OpenAI {
  const client = new OpenAI({ apiKey: 'sk-reserve-test-SECRET', baseURL: `${server.url}/v1`, maxRetries: 0 })
  return instrument(client, { priceTable: tieredPriceTable(options.unknownModel), budgets: options.gate })
}

/** A small chat completion from `model`: 10 prompt and 10 output tokens. */
function completion(model: string): unknown {
  const answer = structuredClone(fixtureJson('openai/chat-completion.json')) as Record<string, unknown>
  answer.model = model
  answer.usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 }
  return answer
}

describe('an instrumented client behind a real budget ledger', () => {
  it('reserves at the priority prices a priority request asks for, so it is refused where a standard one is not', async () => {
    // 1 000 output tokens reserve $0.02 at priority (over the $0.015 limit) and $0.01 at standard.
    const { ledger, gate } = await gateWith('tier-reserve', 0.015)
    const client = openaiClient({ gate })
    const request = { model: 'tiered-gpt', messages, max_completion_tokens: 1_000 }
    const refused = await workflow('tier-reserve', () => rejection(client.chat.completions.create({ ...request, service_tier: 'priority' })))
    expect(isBudgetExceededError(refused)).toBe(true)
    expect(refused).toMatchObject({ budget: 'tier-reserve-cap' })
    expect((refused as { worstCaseUnits: bigint }).worstCaseUnits).toBeGreaterThan(20_000_000_000n)
    expect(server.requests).toHaveLength(0)

    server.reply({ body: completion('tiered-gpt-2026-01-01') })
    await workflow('tier-reserve', () => client.chat.completions.create(request))
    expect(server.requests).toHaveLength(1)
    expect(ledger.stats().activeReservations).toBe(0)
    await ledger.close()
  })

  it('reserves an unpriced model at the fallback prices, so one whose worst case passes the limit is refused before it is sent', async () => {
    // 100 output tokens at $1000/M reserve $0.10, over the $0.01 limit.
    const { ledger, gate } = await gateWith('unknown-reserve', 0.01)
    const client = openaiClient({ gate, unknownModel: { inputPerMillion: '1', outputPerMillion: '1000' } })
    const refused = await workflow('unknown-reserve', () => rejection(client.chat.completions.create({ model: 'house-model', messages, max_tokens: 100 })))
    expect(isBudgetExceededError(refused)).toBe(true)
    expect(server.requests).toHaveLength(0)
    await ledger.close()
  })

  it('reserves an Anthropic request at the standard prices it asks for with standard_only', async () => {
    // 1 000 output tokens at $15/M reserve $0.015 and a little input: over a $0.012 limit.
    const { ledger, gate } = await gateWith('anthropic-reserve', 0.012)
    const client = instrument(new Anthropic({ apiKey: 'sk-ant-reserve-test-SECRET', baseURL: server.url, maxRetries: 0 }), {
      priceTable: tieredPriceTable(),
      budgets: gate,
    })
    const request = { model: 'claude-tiered', max_tokens: 1_000, messages, service_tier: 'standard_only' as const }
    const refused = await workflow('anthropic-reserve', () => rejection(client.messages.create(request)))
    expect(isBudgetExceededError(refused)).toBe(true)
    expect((refused as { worstCaseUnits: bigint }).worstCaseUnits).toBeGreaterThan(15_000_000_000n)
    expect((refused as { worstCaseUnits: bigint }).worstCaseUnits).toBeLessThan(16_000_000_000n)
    expect(server.requests).toHaveLength(0)
    await ledger.close()
  })
})

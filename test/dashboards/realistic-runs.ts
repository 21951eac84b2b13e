import type { AttemptSpec, RequestSpec, RunSpec, StepSpec } from '../report/workflow-span-rows.js'

/**
 * A few hours of agent traffic, deterministic (seeded): support triage (classify
 * with a cheap model, plan with a strong one, three execute subtasks in parallel,
 * verify), coding (search, edit, review) and research (one summarize step), over
 * openai, anthropic and gemini, with streams, retries, fallbacks, errors, an open
 * breaker, tenant and feature tags, and budget decisions from allow to block.
 * Every run of support-triage for tenant acme has openai/gpt-4.1-mini calls with
 * a budget decision and an error, so a dashboard filtered to those values is
 * never empty.
 */
export function realisticRuns(endMs: number, hours = 5): RunSpec[] {
  const random = seeded(7)
  const runs: RunSpec[] = []
  const spanMs = hours * 3_600_000
  const count = 48
  for (let index = 0; index < count; index += 1) {
    const startMs = endMs - spanMs + Math.floor((index + random()) * (spanMs / count)) - 60_000
    const tenant = index % 3 === 2 ? 'globex' : 'acme'
    const runId = `run-${index.toString().padStart(3, '0')}`
    const kind = index % 4
    if (kind === 0 || kind === 1) runs.push(supportTriage({ runId, startMs, tenant, random, index }))
    else if (kind === 2) runs.push(coding({ runId, startMs, tenant, random, index }))
    else runs.push(research({ runId, startMs, tenant, random, index }))
  }
  return runs
}

interface RunInput {
  runId: string
  startMs: number
  tenant: string
  random: () => number
  index: number
}

const mini = { provider: 'openai', model: 'gpt-4.1-mini' }
const gpt = { provider: 'openai', model: 'gpt-4.1' }
const sonnet = { provider: 'anthropic', model: 'claude-sonnet-4' }
const haiku = { provider: 'anthropic', model: 'claude-haiku-4' }
const flash = { provider: 'gcp.gemini', model: 'gemini-2.5-flash' }

function call(target: { provider: string; model: string }, random: () => number, scale: number, extra: Partial<AttemptSpec> = {}): AttemptSpec {
  const inputTokens = Math.round(400 + random() * 4000 * scale)
  const outputTokens = Math.round(50 + random() * 800 * scale)
  const durationMs = Math.round(200 + random() * 1500 * scale)
  const perMillion = target.model.includes('mini') || target.model.includes('flash') || target.model.includes('haiku') ? [0.4, 1.6] : [3, 15]
  // Exact decimal cost: integer micro-USD written as a decimal string.
  const micro = Math.round(inputTokens * perMillion[0]! + outputTokens * perMillion[1]!)
  return { ...target, inputTokens, outputTokens, durationMs, costUsd: (micro / 1e6).toFixed(6), ...extra }
}

function failed(target: { provider: string; model: string }, errorType: string, durationMs: number): AttemptSpec {
  return { ...target, durationMs, errorType }
}

function supportTriage({ runId, startMs, tenant, random, index }: RunInput): RunSpec {
  const budget = (action: 'allow' | 'warn' | 'downgrade' | 'block'): AttemptSpec['budget'] => ({ name: 'support-monthly', action, spentUsd: (40 + index).toFixed(2), limitUsd: '100' })
  const classifyAttempts: AttemptSpec[] = [call(mini, random, 0.3, { ttftMs: Math.round(80 + random() * 200), budget: budget(index % 8 === 0 ? 'warn' : 'allow') })]
  const plan: RequestSpec = index % 6 === 0
    ? { route: 'strong', offsetMs: 5, attempts: [failed(sonnet, 'timeout', 3000), call(gpt, random, 1, { budget: budget('allow') })], skipped: index % 12 === 0 ? ['anthropic/claude-haiku-4:breaker_open'] : undefined }
    : index % 5 === 0
      ? { route: 'strong', offsetMs: 5, attempts: [failed(sonnet, 'rate_limited', 150), call(sonnet, random, 1, { budget: budget('allow') })] }
      : index % 10 === 4
        ? { route: 'strong-economy', offsetMs: 5, attempts: [call(haiku, random, 1, { budget: budget('downgrade') })], budget: budget('downgrade') }
        : { route: 'strong', offsetMs: 5, attempts: [call(sonnet, random, 1, { budget: budget('allow') })] }
  const planMs = plan.attempts.reduce((sum, attempt) => sum + attempt.durationMs, 0) + 20
  const classifyMs = classifyAttempts[0]!.durationMs + 20
  const execute = [0, 1, 2].map((subtask): StepSpec => {
    const attempts = subtask === 0
      ? [failed(mini, 'timeout', 400), call(mini, random, 0.5, { ttftMs: Math.round(90 + random() * 150), budget: budget('allow') })]
      : [call(subtask === 1 ? haiku : flash, random, 0.5)]
    return {
      name: 'execute',
      offsetMs: classifyMs + planMs + subtask * 15,
      durationMs: attempts.reduce((sum, attempt) => sum + attempt.durationMs, 0) + 20,
      requests: [{ route: 'light', offsetMs: 5, attempts }],
    }
  })
  const executeEnd = Math.max(...execute.map((step) => step.offsetMs + step.durationMs))
  const verifyAttempts = [call(mini, random, 0.3, { ttftMs: Math.round(70 + random() * 100) })]
  const verifyMs = verifyAttempts[0]!.durationMs + 20
  return {
    workflow: 'support-triage',
    runId,
    startMs,
    durationMs: executeEnd + verifyMs + 30,
    tags: { tenant, feature: 'helpdesk' },
    steps: [
      { name: 'classify', offsetMs: 0, durationMs: classifyMs, requests: [{ route: 'cheap', offsetMs: 5, attempts: classifyAttempts }] },
      { name: 'plan', offsetMs: classifyMs, durationMs: planMs, requests: [plan] },
      ...execute,
      { name: 'verify', offsetMs: executeEnd + 10, durationMs: verifyMs, requests: [{ route: 'cheap', offsetMs: 5, attempts: verifyAttempts }] },
    ],
  }
}

function coding({ runId, startMs, tenant, random, index }: RunInput): RunSpec {
  const budget = (action: 'allow' | 'warn' | 'downgrade' | 'block'): AttemptSpec['budget'] => ({ name: 'coding-daily', action, spentUsd: (8 + index / 10).toFixed(2), limitUsd: '10' })
  const search = [call(flash, random, 0.8)]
  // A request the budget refuses makes no call: the router leaves only its route span, marked block.
  const refused = index % 7 === 3
  const edit: RequestSpec = refused
    ? { route: 'strong', offsetMs: 5, attempts: [], budget: budget('block') }
    : { route: 'strong', offsetMs: 5, attempts: [call(gpt, random, 1.5, { budget: budget(index % 5 === 1 ? 'warn' : 'allow') })] }
  const review = [call(sonnet, random, 0.7, { ttftMs: Math.round(300 + random() * 400) })]
  const searchMs = search[0]!.durationMs + 20
  const editMs = (edit.attempts[0]?.durationMs ?? 0) + 20
  const reviewMs = review[0]!.durationMs + 20
  return {
    workflow: 'coding',
    runId,
    startMs,
    durationMs: searchMs + editMs + reviewMs + 20,
    tags: { tenant, feature: 'ide' },
    steps: [
      { name: 'search', offsetMs: 0, durationMs: searchMs, requests: [{ offsetMs: 5, attempts: search }] },
      { name: 'edit', offsetMs: searchMs, durationMs: editMs, requests: [edit] },
      { name: 'review', offsetMs: searchMs + editMs, durationMs: reviewMs, requests: [{ route: 'review', offsetMs: 5, attempts: review }] },
    ],
  }
}

function research({ runId, startMs, tenant, random, index }: RunInput): RunSpec {
  // Every other run falls back from haiku to flash, then retries on flash: a retry on the target it fell back to.
  const summarize = index % 8 === 7
    ? [failed(haiku, 'timeout', 300), failed(flash, 'rate_limited', 100), call(flash, random, 1.2, { ttftMs: Math.round(150 + random() * 200) })]
    : [call(haiku, random, 1.2, { ttftMs: Math.round(150 + random() * 200) })]
  const summarizeMs = summarize.reduce((sum, attempt) => sum + attempt.durationMs, 0) + 20
  return {
    workflow: 'research',
    runId,
    startMs,
    durationMs: summarizeMs + 40,
    tags: { tenant },
    steps: [{ name: 'summarize', offsetMs: 20, durationMs: summarizeMs, requests: [{ route: 'light', offsetMs: 5, attempts: summarize }] }],
  }
}

/** mulberry32: a small deterministic generator, so the data set is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296
  }
}

import type { Router } from '../router/create-router.js'
import type { ChatResult } from '../router/chat-request.js'
import { step, workflow } from '../telemetry/workflow-context.js'

const tickets = [
  'My invoice shows a charge twice for October.',
  'The export to CSV times out for large projects.',
  'How do I rotate the API key for my team?',
  'The mobile app logs me out every few minutes.',
  'We need an SSO setup for 400 users by Friday.',
  'Webhook deliveries fail with a 410 since yesterday.',
]

const repositories = ['billing-service', 'web-dashboard', 'ingest-pipeline', 'mobile-app']

/** What one run did, for the demo's progress line. */
export interface RunOutcome {
  calls: ChatResult[]
  failures: unknown[]
}

async function call(router: Router, outcome: RunOutcome, request: Parameters<Router['chat']>[0]): Promise<ChatResult | undefined> {
  try {
    const result = await router.chat(request)
    outcome.calls.push(result)
    return result
  } catch (error) {
    outcome.failures.push(error)
    return undefined
  }
}

/** A streamed call, read to the end as a chat UI would. */
async function stream(router: Router, outcome: RunOutcome, request: Parameters<Router['stream']>[0]): Promise<ChatResult | undefined> {
  const response = router.stream(request)
  try {
    for await (const chunk of response) void chunk
    const result = await response.result
    outcome.calls.push(result)
    return result
  } catch (error) {
    outcome.failures.push(error)
    return undefined
  }
}

/**
 * Support triage: classify with a cheap model, plan with a strong one, execute the
 * plan's subtasks with light ones in parallel, then verify.
 */
export function supportTriage(router: Router, run: number, tags: Record<string, string>): Promise<RunOutcome> {
  const ticket = tickets[run % tickets.length]!
  const outcome: RunOutcome = { calls: [], failures: [] }
  return workflow('support-triage', { tags }, async () => {
    await step('classify', () => call(router, outcome, { route: 'classify', maxTokens: 50, messages: [{ role: 'system', content: 'Classify the ticket: billing, bug, account or other.' }, { role: 'user', content: ticket }] }))
    const plan = await step('plan', () => call(router, outcome, { route: 'plan', maxTokens: 800, messages: [{ role: 'system', content: 'You are a senior support engineer. Plan the resolution in 3 subtasks.' }, { role: 'user', content: ticket }] }))
    await step('execute', () => Promise.all([1, 2, 3].map((subtask) =>
      call(router, outcome, { route: 'execute', maxTokens: 400, messages: [{ role: 'user', content: `Subtask ${subtask} of: ${plan?.text.slice(0, 200) ?? ticket}` }] }))))
    await step('verify', () => stream(router, outcome, { route: 'verify', maxTokens: 120, messages: [{ role: 'user', content: `Check the resolution of "${ticket}" is complete.` }] }))
    return outcome
  })
}

/** A coding workflow: search, edit, review. */
export function codingAssistant(router: Router, run: number, tags: Record<string, string>): Promise<RunOutcome> {
  const repository = repositories[run % repositories.length]!
  const outcome: RunOutcome = { calls: [], failures: [] }
  return workflow('coding-assistant', { tags }, async () => {
    const found = await step('search', () => call(router, outcome, { route: 'classify', maxTokens: 100, messages: [{ role: 'user', content: `Find the files in ${repository} that handle retries.` }] }))
    const edit = await step('edit', () => call(router, outcome, { route: 'code', maxTokens: 1_200, messages: [{ role: 'user', content: `Add exponential backoff to ${found?.text.slice(0, 120) ?? repository}.` }] }))
    await step('review', () => call(router, outcome, { route: 'plan', maxTokens: 600, messages: [{ role: 'user', content: `Review this change: ${edit?.text.slice(0, 300) ?? ''}` }] }))
    return outcome
  })
}

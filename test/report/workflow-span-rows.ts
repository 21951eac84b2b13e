import { randomBytes } from 'node:crypto'

/**
 * Builds `otel_traces` rows for whole workflow runs as the collector writes them:
 * an `invoke_workflow {name}` span, its `step {name}` spans, a `route {name}` span
 * above the attempts of each routed request, and one `chat {model}` CLIENT span per
 * attempt. Times are in milliseconds, offsets relative to their parent.
 */
export interface AttemptSpec {
  provider: string
  model: string
  /** Exact USD decimal; omitted for calls that cost nothing (a failed attempt). */
  costUsd?: string
  inputTokens?: number
  outputTokens?: number
  durationMs: number
  /** Set for streamed calls. */
  ttftMs?: number
  errorType?: string
  budget?: { name: string; action: 'allow' | 'warn' | 'downgrade' | 'block'; spentUsd: string; limitUsd: string }
}

export interface RequestSpec {
  /** Without a route the call is a bare attempt 1 under its step. */
  route?: string
  offsetMs: number
  /** Run one after the other; the first is attempt 1. Empty for a request the budget refused. */
  attempts: AttemptSpec[]
  /**
   * The budget decision as the router records it on the route span: a `block` is a
   * refused request (an error status and no attempts), a `downgrade` names the route
   * it moved to (the attempts carry the same decision).
   */
  budget?: AttemptSpec['budget']
  /** Targets the router skipped, e.g. `anthropic/claude-sonnet-4:breaker_open`. */
  skipped?: string[]
}

export interface StepSpec {
  name: string
  offsetMs: number
  durationMs: number
  requests?: RequestSpec[]
}

export interface RunSpec {
  workflow: string
  runId: string
  startMs: number
  durationMs: number
  tags?: Record<string, string>
  steps: StepSpec[]
  serviceName?: string
}

export interface SpanRowOptions {
  traceId: string
  spanId?: string
  parentSpanId?: string
  name: string
  kind: 'Internal' | 'Client'
  startMs: number
  durationMs: number
  attributes: Record<string, string>
  statusCode?: 'Ok' | 'Error' | 'Unset'
  events?: { name: string; timeMs: number; attributes?: Record<string, string> }[]
  serviceName?: string
}

export function hexId(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/** `seconds.nanoseconds`, the DateTime64(9) text JSONEachRow accepts. */
export function timestampText(ms: number): string {
  const nanos = BigInt(Math.round(ms * 1e6))
  return `${nanos / 1_000_000_000n}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}`
}

export function spanRow(options: SpanRowOptions): Record<string, unknown> & { SpanId: string } {
  const serviceName = options.serviceName ?? 'agent'
  const events = options.events ?? []
  return {
    Timestamp: timestampText(options.startMs),
    TraceId: options.traceId,
    SpanId: options.spanId ?? hexId(8),
    ParentSpanId: options.parentSpanId ?? '',
    TraceState: '',
    SpanName: options.name,
    SpanKind: options.kind,
    ServiceName: serviceName,
    ResourceAttributes: { 'service.name': serviceName },
    ScopeName: 'switchyard',
    ScopeVersion: '0.1.0',
    SpanAttributes: options.attributes,
    Duration: String(Math.round(options.durationMs * 1e6)),
    StatusCode: options.statusCode ?? 'Unset',
    StatusMessage: '',
    'Events.Timestamp': events.map((event) => timestampText(event.timeMs)),
    'Events.Name': events.map((event) => event.name),
    'Events.Attributes': events.map((event) => event.attributes ?? {}),
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  }
}

function tagAttributes(tags: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([key, value]) => [`switchyard.tag.${key}`, value]))
}

/** Every span of one workflow run; the first row is the workflow span. */
export function workflowRunRows(run: RunSpec): (Record<string, unknown> & { SpanId: string })[] {
  const traceId = hexId(16)
  const serviceName = run.serviceName
  const scope = {
    'gen_ai.workflow.name': run.workflow,
    'switchyard.workflow.run_id': run.runId,
  }
  const workflowSpan = spanRow({
    traceId,
    name: `invoke_workflow ${run.workflow}`,
    kind: 'Internal',
    startMs: run.startMs,
    durationMs: run.durationMs,
    attributes: { 'gen_ai.operation.name': 'invoke_workflow', ...scope, ...tagAttributes(run.tags) },
    serviceName,
  })
  const rows = [workflowSpan]
  for (const step of run.steps) {
    const stepStart = run.startMs + step.offsetMs
    const stepSpan = spanRow({
      traceId,
      parentSpanId: workflowSpan.SpanId,
      name: `step ${step.name}`,
      kind: 'Internal',
      startMs: stepStart,
      durationMs: step.durationMs,
      attributes: { 'switchyard.step': step.name, ...scope },
      serviceName,
    })
    rows.push(stepSpan)
    for (const request of step.requests ?? []) {
      const requestStart = stepStart + request.offsetMs
      const requestMs = request.attempts.reduce((sum, attempt) => sum + attempt.durationMs, 0)
      let parentSpanId = stepSpan.SpanId
      if (request.route !== undefined) {
        const budget = request.budget
        const routeSpan = spanRow({
          traceId,
          parentSpanId: stepSpan.SpanId,
          name: `route ${request.route}`,
          kind: 'Internal',
          startMs: requestStart,
          durationMs: request.attempts.length === 0 ? 0.2 : requestMs,
          statusCode: budget?.action === 'block' ? 'Error' : 'Unset',
          attributes: {
            'switchyard.route': request.route,
            ...scope,
            'switchyard.step': step.name,
            ...tagAttributes(run.tags),
            ...(request.skipped === undefined ? {} : { 'switchyard.route.skipped': JSON.stringify(request.skipped) }),
            ...(budget === undefined ? {} : { 'switchyard.budget.name': budget.name, 'switchyard.budget.action': budget.action }),
          },
          events: [
            ...(request.skipped ?? []).filter((skip) => skip.includes('breaker')).map((skip) => ({
              name: 'switchyard.breaker.open',
              timeMs: requestStart,
              attributes: { 'switchyard.target': skip.split(':')[0] ?? skip },
            })),
            ...(budget === undefined || budget.action === 'allow' ? [] : [{ name: 'switchyard.budget.decision', timeMs: requestStart, attributes: { action: budget.action, budget: budget.name } }]),
          ],
          serviceName,
        })
        rows.push(routeSpan)
        parentSpanId = routeSpan.SpanId
      }
      let attemptStart = requestStart
      request.attempts.forEach((attempt, index) => {
        rows.push(spanRow({
          traceId,
          parentSpanId,
          name: `chat ${attempt.model}`,
          kind: 'Client',
          startMs: attemptStart,
          durationMs: attempt.durationMs,
          statusCode: attempt.errorType === undefined ? 'Unset' : 'Error',
          attributes: modelCallAttributes({ attempt, attemptNumber: index + 1, route: request.route, step: step.name, scope, tags: run.tags }),
          serviceName,
        }))
        attemptStart += attempt.durationMs
      })
    }
  }
  return rows
}

/** A model call made outside any workflow (no run id, no step). */
export function bareCallRow(options: { attempt: AttemptSpec; startMs: number; tags?: Record<string, string> }): Record<string, unknown> & { SpanId: string } {
  return spanRow({
    traceId: hexId(16),
    name: `chat ${options.attempt.model}`,
    kind: 'Client',
    startMs: options.startMs,
    durationMs: options.attempt.durationMs,
    statusCode: options.attempt.errorType === undefined ? 'Unset' : 'Error',
    attributes: modelCallAttributes({ attempt: options.attempt, attemptNumber: 1, scope: {}, tags: options.tags }),
  })
}

function modelCallAttributes(options: {
  attempt: AttemptSpec
  attemptNumber: number
  route?: string
  step?: string
  scope: Record<string, string>
  tags?: Record<string, string>
}): Record<string, string> {
  const { attempt } = options
  const failed = attempt.errorType !== undefined
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': attempt.provider,
    'gen_ai.request.model': attempt.model,
    ...(failed ? {} : { 'gen_ai.response.model': `${attempt.model}-2025-01-01` }),
    'gen_ai.request.stream': attempt.ttftMs === undefined ? 'false' : 'true',
    'gen_ai.usage.input_tokens': String(attempt.inputTokens ?? 0),
    'gen_ai.usage.output_tokens': String(attempt.outputTokens ?? 0),
    'switchyard.attempt': String(options.attemptNumber),
    'switchyard.cost.usd': attempt.costUsd ?? '0',
    'switchyard.cost.source': 'catalog',
    ...options.scope,
    ...(options.step === undefined ? {} : { 'switchyard.step': options.step }),
    ...(options.route === undefined ? {} : { 'switchyard.route': options.route }),
    ...(attempt.ttftMs === undefined ? {} : { 'switchyard.ttft_ms': String(attempt.ttftMs) }),
    ...(attempt.errorType === undefined ? {} : { 'error.type': attempt.errorType }),
    ...(attempt.budget === undefined ? {} : {
      'switchyard.budget.name': attempt.budget.name,
      'switchyard.budget.action': attempt.budget.action,
      'switchyard.budget.spent_usd': attempt.budget.spentUsd,
      'switchyard.budget.limit_usd': attempt.budget.limitUsd,
    }),
    ...tagAttributes(options.tags),
  }
}

export function jsonLines(rows: readonly Record<string, unknown>[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('')
}

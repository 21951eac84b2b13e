import { describe, expect, it } from 'vitest'
import { CollectorConfigError } from '../../src/collector/collector.js'
import { EncodedRowsTooLargeError } from '../../src/collector/otlp/encoded-rows-too-large-error.js'
import { SpansOfAnotherExportLostError } from '../../src/collector/spans-of-another-export-lost-error.js'
import { OtlpDecodeError } from '../../src/collector/otlp/otlp-decode-error.js'
import {
  QueueClosedError,
  QueueFailedError,
  QueueFullError,
  QueueLockedError,
  QueueStateError,
  QueueWriteError,
  RecordTooLargeError,
  SegmentCorruptError,
} from '../../src/collector/queue/queue-errors.js'
import { RequestBodyError } from '../../src/collector/read-request-body.js'
import { SeenSpansJournalError, SeenSpansStateError } from '../../src/collector/span-dedup/seen-spans-errors.js'
import { BudgetConfigError } from '../../src/budget/budget-config-error.js'
import type * as BudgetExceededErrorModule from '../../src/budget/budget-exceeded-error.js'
import { CliUsageError } from '../../src/cli/cli-arguments.js'
import { switchyardErrorCodes } from '../../src/errors/switchyard-error-code.js'
import type * as SwitchyardErrorModule from '../../src/errors/switchyard-error.js'
import {
  AllTargetsFailedError,
  BudgetExceededError,
  ConfigError,
  isBudgetExceededError,
  isProviderError,
  ProviderError,
  RequestAbortedError,
  RouterConfigError,
  SwitchyardError,
  UnknownRouteError,
} from '../../src/index.js'
import { PriceNotFoundError } from '../../src/pricing/price-not-found-error.js'
import { PriceTableError } from '../../src/pricing/price-table-error.js'
import { ProviderConfigError } from '../../src/providers/create-provider.js'
import type * as ProviderErrorModule from '../../src/providers/provider-error.js'
import { BodyTooLargeError } from '../../src/providers/read-body.js'
import { EmbeddingInputError } from '../../src/providers/embedding-input-error.js'
import { EmbeddingsUnsupportedError } from '../../src/providers/embeddings-unsupported-error.js'
import { GatewayError } from '../../src/gateway/gateway-error.js'
import { SharedBudgetUnavailableError } from '../../src/budget/shared/shared-budget-unavailable-error.js'
import { ServerSentEventTooLongError } from '../../src/providers/sse.js'
import { ReportFetchError } from '../../src/report/report-fetch-error.js'
import { ReportRequestError } from '../../src/report/report-request-error.js'
import { StoreConfigError, StoreMigrationError } from '../../src/store/store-error.js'

/** A module loaded again as a separate instance (the query string makes it another module to vitest). */
async function secondCopy<Module>(path: string): Promise<Module> {
  return (await import(/* @vite-ignore */ `${path}?copy=2`)) as Module
}

const diskFull = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })

function budgetExceeded(): BudgetExceededError {
  return new BudgetExceededError({
    budget: 'triage-hourly',
    scope: { workflow: 'support-triage' },
    window: '1h',
    reason: 'limit',
    spentUnits: 2_000_000_000_000n,
    limitUnits: 1_000_000_000_000n,
    worstCaseUnits: 1_000_000n,
    blockAt: 1,
  })
}

/** Every error class switchyard exports, with the code and the class name it must carry. */
const examples: Array<{ error: SwitchyardError; code: string; name: string }> = [
  { error: new AllTargetsFailedError({ route: 'smart', attempts: [], errors: [], skipped: [] }), code: 'all_targets_failed', name: 'AllTargetsFailedError' },
  { error: new UnknownRouteError('unknown route "dumb"'), code: 'unknown_route', name: 'UnknownRouteError' },
  { error: new RequestAbortedError({ deadline: true, route: 'smart', attempts: [], totalMs: 400 }), code: 'deadline_exceeded', name: 'RequestAbortedError' },
  { error: new RequestAbortedError({ deadline: false, route: 'smart', attempts: [], totalMs: 400 }), code: 'request_aborted', name: 'RequestAbortedError' },
  { error: new RouterConfigError([{ path: 'routes.smart.targets', message: 'a route needs at least one target' }]), code: 'config_invalid', name: 'RouterConfigError' },
  { error: budgetExceeded(), code: 'budget_exceeded', name: 'BudgetExceededError' },
  { error: new BudgetConfigError([{ path: 'budgets[0].window', message: 'unknown window' }]), code: 'config_invalid', name: 'BudgetConfigError' },
  { error: new ProviderError({ code: 'rate_limit', message: 'slow down', provider: 'openai', model: 'gpt-4o-mini' }), code: 'rate_limit', name: 'ProviderError' },
  { error: new ProviderConfigError('groq', [{ path: 'apiKey', message: 'needs an API key' }]), code: 'config_invalid', name: 'ProviderConfigError' },
  { error: new ServerSentEventTooLongError('line', 16), code: 'server_sent_event_too_long', name: 'ServerSentEventTooLongError' },
  { error: new BodyTooLargeError(1024), code: 'response_body_too_large', name: 'BodyTooLargeError' },
  { error: new PriceTableError({ origin: 'entries', index: 2, path: 'prices.input', problem: 'must be a decimal' }), code: 'config_invalid', name: 'PriceTableError' },
  { error: new PriceNotFoundError({ provider: 'openai', model: 'gpt-9', at: new Date(0) }), code: 'price_not_found', name: 'PriceNotFoundError' },
  { error: new StoreConfigError('store URL is not a URL'), code: 'config_invalid', name: 'StoreConfigError' },
  { error: new StoreMigrationError('store is newer', { storeVersion: 9, knownVersion: 3 }), code: 'store_migration_failed', name: 'StoreMigrationError' },
  { error: new ReportFetchError('no collector', { status: 502 }), code: 'report_fetch_failed', name: 'ReportFetchError' },
  { error: new ReportRequestError('bad window', { option: 'window' }), code: 'report_request_invalid', name: 'ReportRequestError' },
  { error: new CliUsageError('--port must be a number'), code: 'usage_invalid', name: 'CliUsageError' },
  { error: new CollectorConfigError('invalid collector options'), code: 'config_invalid', name: 'CollectorConfigError' },
  { error: new EncodedRowsTooLargeError({ rows: 50, rowsEncoded: 3, bytesEncoded: 300_000, maxBytes: 250_000 }), code: 'encoded_rows_too_large', name: 'EncodedRowsTooLargeError' },
  { error: new OtlpDecodeError({ code: 'too_deep', message: 'nested too deep', path: 'resourceSpans[0]' }), code: 'too_deep', name: 'OtlpDecodeError' },
  { error: new RequestBodyError(413, 'request body is over the limit'), code: 'request_body_refused', name: 'RequestBodyError' },
  { error: new QueueFullError({ dir: '/q', resource: 'disk', bytes: 2, maxBytes: 1, retryAfterMs: 1_000 }), code: 'queue_full', name: 'QueueFullError' },
  { error: new RecordTooLargeError({ recordBytes: 2, segmentMaxBytes: 1 }), code: 'queue_record_too_large', name: 'RecordTooLargeError' },
  { error: new QueueClosedError({ dir: '/q' }), code: 'queue_closed', name: 'QueueClosedError' },
  { error: new QueueLockedError({ dir: '/q', lockFile: '/q/lock', pid: 1 }), code: 'queue_locked', name: 'QueueLockedError' },
  { error: new QueueWriteError({ file: '/q/1.seg', operation: 'write', cause: diskFull }), code: 'queue_write_failed', name: 'QueueWriteError' },
  {
    error: new QueueFailedError({ dir: '/q', cause: new QueueWriteError({ file: '/q/1.seg', operation: 'truncate', cause: diskFull }) }),
    code: 'queue_failed',
    name: 'QueueFailedError',
  },
  { error: new SegmentCorruptError({ file: '/q/1.seg', offset: 8, expectedBytes: 64 }), code: 'queue_segment_corrupt', name: 'SegmentCorruptError' },
  { error: new QueueStateError({ file: '/q/sequence', content: 'x', expected: 'a number' }), code: 'queue_state_invalid', name: 'QueueStateError' },
  { error: new SeenSpansJournalError({ file: '/s/journal', operation: 'fsync', cause: diskFull }), code: 'seen_spans_journal_failed', name: 'SeenSpansJournalError' },
  { error: new SeenSpansStateError({ file: '/s/state', expected: 'a seen-spans file' }), code: 'seen_spans_state_invalid', name: 'SeenSpansStateError' },
  { error: new EmbeddingInputError('input[3]', 'must be a non-empty string'), code: 'request_invalid', name: 'EmbeddingInputError' },
  {
    error: new EmbeddingsUnsupportedError({ route: 'embed', targets: [{ provider: 'anthropic', model: 'claude-haiku-4-5', providerName: 'anthropic' }] }),
    code: 'embeddings_unsupported',
    name: 'EmbeddingsUnsupportedError',
  },
  { error: new GatewayError({ status: 429, code: 'rate_limited', message: 'key "team-a" is over 60 requests per minute', retryAfterSeconds: 3 }), code: 'rate_limited', name: 'GatewayError' },
  { error: new SharedBudgetUnavailableError({ message: 'redis://127.0.0.1:6390 does not answer (shared.onUnavailable: block)' }), code: 'shared_state_unavailable', name: 'SharedBudgetUnavailableError' },
  { error: new SpansOfAnotherExportLostError('another export of these spans failed'), code: 'queue_write_failed', name: 'SpansOfAnotherExportLostError' },
]

describe('SwitchyardError', () => {
  it.each(examples)('$name is a SwitchyardError with code $code and its own name', ({ error, code, name }) => {
    expect(error).toBeInstanceOf(SwitchyardError)
    expect(SwitchyardError.isInstance(error)).toBe(true)
    expect(error.code).toBe(code)
    expect(switchyardErrorCodes).toContain(error.code)
    expect(error.name).toBe(name)
    expect(String(error)).toBe(`${name}: ${error.message}`)
    expect(error.stack?.startsWith(`${name}: `)).toBe(true)
  })

  it('keeps every config error one ConfigError with code config_invalid and the path of each bad field', () => {
    const configErrors = examples.filter(({ error }) => error instanceof ConfigError)
    expect(configErrors.map(({ name }) => name).sort()).toEqual([
      'BudgetConfigError',
      'CollectorConfigError',
      'PriceTableError',
      'ProviderConfigError',
      'RouterConfigError',
      'StoreConfigError',
    ])
    for (const { error } of configErrors) expect(ConfigError.isInstance(error)).toBe(true)
    expect(new PriceTableError({ origin: 'entries', index: 2, path: 'prices.input', problem: 'must be a decimal' }).issues)
      .toEqual([{ path: 'entries[2].prices.input', message: 'must be a decimal' }])
    const provider = new ProviderConfigError('groq', [{ path: 'apiKey', message: 'needs an API key' }])
    expect(provider.issues).toEqual([{ path: 'apiKey', message: 'needs an API key' }])
    expect(provider.problems).toEqual(['apiKey: needs an API key'])
    expect(provider.message).toBe('provider "groq" is misconfigured: apiKey: needs an API key')
  })

  it('keeps the cause', () => {
    const write = new QueueWriteError({ file: '/q/1.seg', operation: 'write', cause: diskFull })
    expect(write.cause).toBe(diskFull)
    expect(new QueueFailedError({ dir: '/q', cause: write }).cause).toBe(write)
    const failure = new TypeError('fetch failed')
    expect(new ReportFetchError('the collector did not answer', { cause: failure }).cause).toBe(failure)
    expect(new SwitchyardError({ code: 'config_invalid', message: 'bad', cause: failure }).cause).toBe(failure)
    expect('cause' in new SwitchyardError({ code: 'config_invalid', message: 'bad' })).toBe(false)
  })

  it('tells one subclass from another by isInstance', () => {
    const budget = budgetExceeded()
    expect(BudgetExceededError.isInstance(budget)).toBe(true)
    expect(isBudgetExceededError(budget)).toBe(true)
    expect(AllTargetsFailedError.isInstance(budget)).toBe(false)
    expect(ConfigError.isInstance(budget)).toBe(false)
    const router = new RouterConfigError([{ path: 'routes', message: 'required' }])
    expect(ConfigError.isInstance(router)).toBe(true)
    expect(RouterConfigError.isInstance(router)).toBe(true)
    expect(BudgetConfigError.isInstance(router)).toBe(false)
  })

  it('is not fooled by a plain Error that only borrows the name and code', () => {
    const impostor = Object.assign(new Error('budget "b" refuses the call'), { name: 'BudgetExceededError', code: 'budget_exceeded' })
    expect(SwitchyardError.isInstance(impostor)).toBe(false)
    expect(BudgetExceededError.isInstance(impostor)).toBe(false)
    for (const value of [undefined, null, 'BudgetExceededError', 42, {}]) expect(SwitchyardError.isInstance(value)).toBe(false)
  })

  it('recognises errors made by a second copy of the package, where instanceof does not', async () => {
    // The query string makes vitest load each module again as a separate instance:
    // another class object, as a second copy of switchyard in node_modules would have.
    const copy = await secondCopy<typeof SwitchyardErrorModule>('../../src/errors/switchyard-error.ts')
    const budgetCopy = await secondCopy<typeof BudgetExceededErrorModule>('../../src/budget/budget-exceeded-error.ts')
    const providerCopy = await secondCopy<typeof ProviderErrorModule>('../../src/providers/provider-error.ts')
    expect(copy.SwitchyardError).not.toBe(SwitchyardError)
    expect(budgetCopy.BudgetExceededError).not.toBe(BudgetExceededError)

    class CopiedQueueFullError extends copy.SwitchyardError {}
    const fromCopy = new CopiedQueueFullError({ code: 'queue_full', message: 'full' })
    expect(fromCopy).not.toBeInstanceOf(SwitchyardError)
    expect(SwitchyardError.isInstance(fromCopy)).toBe(true)
    expect(copy.SwitchyardError.isInstance(budgetExceeded())).toBe(true)

    const budget = new budgetCopy.BudgetExceededError({
      budget: 'triage-hourly',
      scope: {},
      window: '1h',
      reason: 'limit',
      spentUnits: 2n,
      limitUnits: 1n,
      worstCaseUnits: 1n,
      blockAt: 1,
    })
    expect(budget).not.toBeInstanceOf(BudgetExceededError)
    expect(BudgetExceededError.isInstance(budget)).toBe(true)
    expect(isBudgetExceededError(budget)).toBe(true)
    expect(AllTargetsFailedError.isInstance(budget)).toBe(false)
    expect(budgetCopy.BudgetExceededError.isInstance(budgetExceeded())).toBe(true)

    const provider = new providerCopy.ProviderError({ code: 'overloaded', message: 'busy', provider: 'anthropic', model: 'claude' })
    expect(provider).not.toBeInstanceOf(ProviderError)
    expect(ProviderError.isInstance(provider)).toBe(true)
    expect(isProviderError(provider)).toBe(true)
  })
})

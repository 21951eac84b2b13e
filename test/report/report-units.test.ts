import { describe, expect, it } from 'vitest'
import { criticalPathOfRun } from '../../src/report/critical-path-of-run.js'
import { divideUsd } from '../../src/report/divide-usd.js'
import { formatWindow } from '../../src/report/format-report-table.js'
import { formatDuration, formatPercent, formatTokens, formatUsdShort } from '../../src/report/format-units.js'
import { parseReportDimensions } from '../../src/report/report-dimension.js'
import { reportQuery } from '../../src/report/report-query.js'
import { isReportRequestError } from '../../src/report/report-request-error.js'
import { parseReportRequest } from '../../src/report/report-request.js'
import { resolveReportWindow } from '../../src/report/report-window.js'

describe('report units', () => {
  it('rounds money from its exact decimal: 4 places, 2 from $100, 2 significant digits below $0.0001', () => {
    expect(formatUsdShort('1.23456')).toBe('$1.2346')
    expect(formatUsdShort('1.23455')).toBe('$1.2346')
    expect(formatUsdShort('0')).toBe('$0.0000')
    expect(formatUsdShort('1234.567')).toBe('$1,234.57')
    expect(formatUsdShort('0.000012345')).toBe('$0.000012')
    expect(formatUsdShort('0.000000000001')).toBe('$0.000000000001')
    expect(formatUsdShort(null)).toBe('-')
  })

  it('prints durations, tokens and rates with their units', () => {
    expect([0, 0.42, 45.4, 999.4, 1234, 59_000, 150_000, null].map(formatDuration)).toEqual(['0 ms', '0.4 ms', '45 ms', '999 ms', '1.2 s', '59.0 s', '2.5 min', '-'])
    expect([850, 12_345, 1_234_567, 3_400_000_000].map(formatTokens)).toEqual(['850 tok', '12.3k tok', '1.2M tok', '3.4B tok'])
    expect(formatPercent(0.045)).toBe('4.5%')
  })

  it('prints a window in minutes, with seconds and then milliseconds when a shorter form would hide its length', () => {
    const window = (from: string, to: string): string => formatWindow({ from, to })
    expect(window('2025-03-01T17:00:00.000Z', '2025-03-01T18:00:00.000Z')).toBe('2025-03-01 17:00Z -> 2025-03-01 18:00Z')
    expect(window('2025-03-01T17:00:00.000Z', '2025-03-01T17:30:00.000Z')).toBe('2025-03-01 17:00Z -> 2025-03-01 17:30Z')
    expect(window('2025-03-01T17:00:10.000Z', '2025-03-01T17:00:40.000Z')).toBe('2025-03-01 17:00:10Z -> 2025-03-01 17:00:40Z')
    expect(window('2025-03-01T16:59:30.000Z', '2025-03-01T17:29:30.000Z')).toBe('2025-03-01 16:59:30Z -> 2025-03-01 17:29:30Z')
    expect(window('2025-03-01T17:00:00.250Z', '2025-03-01T17:00:00.750Z')).toBe('2025-03-01 17:00:00.250Z -> 2025-03-01 17:00:00.750Z')
    expect(window('2025-03-01T17:00:00.000Z', '2025-03-01T17:00:00.500Z')).toBe('2025-03-01 17:00:00.000Z -> 2025-03-01 17:00:00.500Z')
  })

  it('divides exact amounts half up to the pico-USD', () => {
    expect(divideUsd('1', 3)).toBe('0.333333333333')
    expect(divideUsd('2', 3)).toBe('0.666666666667')
    expect(divideUsd('0.0646', 3)).toBe('0.021533333333')
    expect(divideUsd('0.000000000001', 2)).toBe('0.000000000001')
  })
})

describe('report options', () => {
  const now = new Date('2025-03-01T12:00:00Z')

  it('turns --since and --from/--to into a window, the last 24 hours by default', () => {
    expect(resolveReportWindow({ now })).toEqual({ from: new Date('2025-02-28T12:00:00Z'), to: now })
    expect(resolveReportWindow({ since: '90m', now }).from).toEqual(new Date('2025-03-01T10:30:00Z'))
    expect(resolveReportWindow({ since: '7d', now }).from).toEqual(new Date('2025-02-22T12:00:00Z'))
    expect(resolveReportWindow({ from: '2025-02-01', to: '2025-02-02T06:00:00Z', now })).toEqual({ from: new Date('2025-02-01T00:00:00Z'), to: new Date('2025-02-02T06:00:00Z') })
    expect(resolveReportWindow({ from: '2025-02-01', now }).to).toEqual(now)
  })

  it.each([
    [{ since: '24 hours' }, /--since must be a duration such as 30m, 24h or 7d/],
    [{ since: '0h' }, /--since must be a duration/],
    [{ since: '1h', from: '2025-01-01' }, /--since cannot be combined with --from/],
    [{ to: '2025-01-01' }, /--to needs --from/],
    [{ from: '2025-02-02', to: '2025-02-01' }, /--from \(2025-02-02T00:00:00.000Z\) must be before --to/],
    [{ from: 'soon' }, /--from must be an ISO 8601 instant/],
  ])('refuses %j', (options, message) => {
    let caught: unknown
    try {
      resolveReportWindow({ ...options, now })
    } catch (error) {
      caught = error
    }
    expect(isReportRequestError(caught)).toBe(true)
    expect(String(caught)).toMatch(message)
  })

  it('takes only strict ISO 8601 instants or dates in the years 2000 to 2099 for --from and --to, naming the option', () => {
    const odd = [
      '2024', '1e20', '-1', ' 2024-01-01', '2024-01-01 ', '2024-02-31', '2023-02-29', '2024-13-01', '2024-01-01T25:00:00Z',
      '2024-01-01T00:00:00', '20240101', '2024-1-1', 'Jan 1 2024', '0000-01-01', '1999-12-31T23:59:59Z', '2100-01-01',
      '+275760-09-13T00:00:00Z', '99999-01-01', `2024-01-01T00:00:00.${'0'.repeat(100)}Z`,
    ]
    for (const text of odd) {
      for (const option of ['from', 'to'] as const) {
        const window = option === 'from' ? { from: text, now } : { from: '2025-01-01', to: text, now }
        let caught: unknown
        try {
          resolveReportWindow(window)
        } catch (error) {
          caught = error
        }
        expect({ text, option, caught: isReportRequestError(caught) ? { option: caught.option, message: caught.message } : caught })
          .toEqual({ text, option, caught: { option, message: expect.stringMatching(new RegExp(`^--${option} must `)) } })
      }
    }
    expect(() => resolveReportWindow({ from: '2024-02-31', now })).toThrow('--from must name a day of the calendar (2024-02-31 is not one) (got "2024-02-31")')
    expect(() => resolveReportWindow({ from: '2025-01-01', to: '2100-01-01', now })).toThrow('--to must be in the years 2000 to 2099 (got "2100-01-01")')
    expect(() => resolveReportWindow({ from: new Date(Date.UTC(1970, 0, 1)), to: now })).toThrow(/--from must be a time in the years 2000 to 2099/)
    // `to` after `from`, and offsets are instants too.
    expect(() => resolveReportWindow({ from: '2025-01-02T00:00:00+01:00', to: '2025-01-01T23:00:00Z', now })).toThrow(/--from \(2025-01-01T23:00:00.000Z\) must be before --to/)
    expect(resolveReportWindow({ from: '2024-02-29T23:30:00.5-01:00', to: '2024-03-01T01:00Z', now }))
      .toEqual({ from: new Date('2024-03-01T00:30:00.500Z'), to: new Date('2024-03-01T01:00:00.000Z') })
  })

  it('takes --since and --limit only as written in the docs: digits and a unit, digits alone', () => {
    for (const since of [' 24h', '24h ', '24 h', '1e3h', '0x10h', '-1h', '0.0001ms', '1.5.5h', '1'.repeat(100) + 'h', '24H']) {
      expect(() => resolveReportWindow({ since, now }), since).toThrow(/--since must be a duration such as 30m, 24h or 7d/)
    }
    expect(resolveReportWindow({ since: '1.5h', now }).from).toEqual(new Date('2025-03-01T10:30:00Z'))
    for (const limit of [' 5', '5 ', '0x10', '1e3', '5.0', '+5', '']) {
      expect(() => parseReportRequest({ limit }), limit).toThrow(/--limit must be a whole number from 1 to 100000/)
    }
    expect(parseReportRequest({ limit: '100000' }).limit).toBe(100_000)
  })

  it('refuses workflow names over 256 characters and more than 4 groupings as soon as it sees the fifth', () => {
    expect(() => parseReportRequest({ workflow: 'w'.repeat(257) })).toThrow('--workflow is 257 characters long; a workflow name is at most 256')
    expect(() => parseReportRequest({ criticalPath: 'w'.repeat(257) })).toThrow('--critical-path is 257 characters long; a workflow name is at most 256')
    const many = Array.from({ length: 10_000 }, (_, index) => `tag:k${index}`).join(',')
    expect(() => parseReportDimensions(many)).toThrow(/--by is 98889 characters long; 4 groupings are at most 512/)
    expect(() => parseReportDimensions(['tag:a', 'tag:b', 'tag:c', 'tag:d', 'tag:e'])).toThrow('--by takes at most 4 groupings (got more)')
  })

  it('parses groupings from a comma list, refusing unknown names and odd tag keys', () => {
    expect(parseReportDimensions('workflow, step,tag:tenant,workflow')).toEqual(['workflow', 'step', 'tag:tenant'])
    expect(parseReportDimensions(['provider', 'model'])).toEqual(['provider', 'model'])
    expect(() => parseReportDimensions('cost')).toThrow(/--by accepts workflow, step, provider, model, route or tag:<key> \(got "cost"\)/)
    expect(() => parseReportDimensions("tag:x') OR 1=1 --")).toThrow(/tag key/)
    expect(() => parseReportDimensions('workflow,step,provider,model,route')).toThrow(/at most 4/)
  })

  it('puts tag keys and filters into bound parameters, never into the SQL text', () => {
    const window = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-02T00:00:00Z') }
    const { query, params } = reportQuery({ window, by: ['workflow', 'tag:tenant'], workflow: "o'brien", limit: 10 })
    expect(query).toContain('Tags[{tag1:String}] AS group1')
    expect(query).toContain('Workflow = {workflow:String}')
    expect(query).not.toContain('tenant')
    expect(query).not.toContain('brien')
    expect(params).toEqual({ fromMs: window.from.getTime(), toMs: window.to.getTime(), limit: 10, workflow: "o'brien", tag1: 'tenant' })
  })
})

describe('criticalPathOfRun', () => {
  it('follows the step that finished last, so a partly overlapping step gives up only its overlap', () => {
    // a 0-100, b 50-150, then nothing until 200: b holds 50-150, a 0-50, 150-200 is the workflow's own.
    const path = criticalPathOfRun({ startMs: 0, endMs: 200 }, [
      { step: 'a', startMs: 0, endMs: 100 },
      { step: 'b', startMs: 50, endMs: 150 },
    ])
    expect(path.steps.get('a')).toEqual({ busyMs: 100, criticalMs: 50, overlapMs: 50, parallelCallsMs: 0 })
    expect(path.steps.get('b')).toEqual({ busyMs: 100, criticalMs: 100, overlapMs: 50, parallelCallsMs: 0 })
    expect(path.outsideMs).toBe(50)
  })

  it('counts parallel instances of one step once, and clips steps to the run', () => {
    const path = criticalPathOfRun({ startMs: 0, endMs: 100 }, [
      { step: 'execute', startMs: 0, endMs: 60 },
      { step: 'execute', startMs: 10, endMs: 80 },
      { step: 'late', startMs: 90, endMs: 130 },
    ])
    expect(path.steps.get('execute')).toEqual({ busyMs: 80, criticalMs: 80, overlapMs: 0, parallelCallsMs: 0 })
    expect(path.steps.get('late')).toEqual({ busyMs: 10, criticalMs: 10, overlapMs: 0, parallelCallsMs: 0 })
    expect(path.outsideMs).toBe(10)
  })

  it('does not count sequential steps whose timestamps overlap by under a millisecond as parallel', () => {
    const path = criticalPathOfRun({ startMs: 0, endMs: 300 }, [
      { step: 'classify', startMs: 0, endMs: 100.4 },
      { step: 'plan', startMs: 100, endMs: 200.9 },
      { step: 'verify', startMs: 200, endMs: 300 },
    ])
    for (const step of ['classify', 'plan', 'verify']) expect(path.steps.get(step)?.overlapMs, step).toBe(0)
    // Two steps that really ran together still do: 5 ms is no jitter.
    const parallel = criticalPathOfRun({ startMs: 0, endMs: 200 }, [
      { step: 'a', startMs: 0, endMs: 105 },
      { step: 'b', startMs: 100, endMs: 200 },
    ])
    expect(parallel.steps.get('a')?.overlapMs).toBe(5)
  })

  it('counts the time two or more requests of one step ran at once as parallel, inside the step only', () => {
    // execute 10-100 makes three requests: 10-60, 12-90 and 15-40; a request starting 0.5 ms before another ends is not parallel.
    const path = criticalPathOfRun({ startMs: 0, endMs: 120 }, [
      { step: 'plan', startMs: 0, endMs: 10 },
      { step: 'execute', startMs: 10, endMs: 100 },
      { step: 'verify', startMs: 100, endMs: 120 },
    ], [
      { step: 'execute', startMs: 10, endMs: 60 },
      { step: 'execute', startMs: 12, endMs: 90 },
      { step: 'execute', startMs: 15, endMs: 40 },
      { step: 'verify', startMs: 100, endMs: 110.5 },
      { step: 'verify', startMs: 110, endMs: 119 },
    ])
    // 12-60: at least two of the three at once.
    expect(path.steps.get('execute')).toEqual({ busyMs: 90, criticalMs: 90, overlapMs: 48, parallelCallsMs: 48 })
    expect(path.steps.get('verify')).toEqual({ busyMs: 20, criticalMs: 20, overlapMs: 0, parallelCallsMs: 0 })
    expect(path.steps.get('plan')?.overlapMs).toBe(0)
  })
})

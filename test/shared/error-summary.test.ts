import { describe, expect, it } from 'vitest'
import { errorSummary } from '../../src/shared/error-summary.js'

const password = 'pw-h3alth-s3cret-7c1e'
const token = 'health-test-token-98e1a0c4f2d6b5'

describe('errorSummary', () => {
  it('keeps the kind and first line of a store error, with quoted values, URL credentials and control characters taken out, in 400 characters', () => {
    const error = Object.assign(new Error(
      `Cannot parse input: expected '"' before: '${'my prompt: please summarise the quarterly numbers '.repeat(3)}': at row 1 `
      + `from http://default:hunter2hunter2@clickhouse:8123 \u001b[2J${'x'.repeat(2_000)}\nStack trace: ...`,
    ), { code: '27', type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' })
    const summary = errorSummary(error)
    expect(summary).toMatch(/^CANNOT_PARSE_INPUT_ASSERTION_FAILED \(code 27\): Cannot parse input: expected '"' before: '<150 characters>': at row 1 from http:\/\/\[REDACTED\]@clickhouse:8123 \\u001b\[2Jx+\.\.\.$/)
    expect(summary.length).toBeLessThan(400)
    expect(summary).not.toMatch(/prompt|hunter2|Stack trace/)
  })

  it('removes URL credentials, bearer tokens and the given secrets, escapes control characters and stays short', () => {
    const text = `connect to http://collector:${password}@clickhouse:8123/otel failed; Authorization: Bearer ${token}; the token ${token} again\u001b[31m`
    const line = errorSummary(new Error(text), { secrets: [token, password] })
    expect(line).not.toContain(password)
    expect(line).not.toContain(token)
    expect(line).toContain('http://[REDACTED]@clickhouse:8123/otel')
    expect(line).toContain('\\u001b[31m')
    expect(errorSummary('x'.repeat(100_000)).length).toBeLessThanOrEqual(1_003)
  })

  it('removes a given secret the error does not present as a credential, and one that falls where the line is cut', () => {
    const secret = 'plain-s3cret-words'
    expect(errorSummary(new Error(`the store said ${secret} is wrong`), { secrets: [secret, undefined] })).toBe('Error: the store said [REDACTED] is wrong')
    const atTheCut = errorSummary(new Error(`${'y'.repeat(285)}${secret}`), { secrets: [secret] })
    expect(atTheCut).not.toContain(secret.slice(0, 8))
  })
})

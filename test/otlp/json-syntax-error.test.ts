import { expect, it } from 'vitest'
import { findJsonSyntaxError } from '../../src/collector/otlp/json-syntax-error.js'
import { recordSdkSpans, toJson } from './sdk-spans.js'

it('agrees with JSON.parse on every seeded mutation of a real request, and on the position wherever V8 names one', () => {
  const text = toJson(recordSdkSpans().spans.filter((span) => span.name !== 'chat gpt-4o'))
  let state = 11
  const random = (): number => (state = (Math.imul(state, 48_271) >>> 0) % 2_147_483_647) / 2_147_483_647
  const replacements = ['0', '"', '{', ']', '}', '[', 'null', '-', 'x', ',', ':', '1e', '.', '\\', '\u0001', ' ', 'tru', '"\\u12', '', '\\u00e9']
  let positioned = 0
  for (let round = 0; round < 4000; round++) {
    const at = Math.floor(random() * text.length)
    const mutated = text.slice(0, at) + replacements[round % replacements.length]! + text.slice(at + 1 + (round % 3))
    let message: string | undefined
    try {
      JSON.parse(mutated)
    } catch (error) {
      message = (error as Error).message
    }
    const found = findJsonSyntaxError(mutated)
    expect(found === undefined, mutated).toBe(message === undefined)
    const position = message === undefined ? undefined : /at position (\d+)/.exec(message)?.[1] ?? (message === 'Unexpected end of JSON input' ? String(mutated.length) : undefined)
    if (position === undefined) continue
    positioned++
    expect(found?.position, mutated).toBe(Number(position))
  }
  expect(positioned).toBeGreaterThan(1000)
})

it('scans deep nesting without recursion', () => {
  expect(findJsonSyntaxError('['.repeat(200_000) + ']'.repeat(200_000))).toBeUndefined()
  expect(findJsonSyntaxError('['.repeat(200_000) + '}')).toEqual({ position: 200_000, problem: 'unexpected character where a value should start' })
})

import { describe, expect, it } from 'vitest'
import { expandEnvironment } from '../../src/config/expand-environment.js'

describe('expandEnvironment', () => {
  const environment = { HOST: 'llm.internal', PORT: '8443', KEY: 'sk-abc-123' }

  it('replaces every reference in a string, in objects nested in lists, and leaves keys alone', () => {
    const expanded = expandEnvironment({ '${HOST}': [{ url: 'https://${HOST}:${PORT}/v1', key: '${KEY}' }], count: 3, on: true, none: null }, environment)
    expect(expanded.value).toEqual({ '${HOST}': [{ url: 'https://llm.internal:8443/v1', key: 'sk-abc-123' }], count: 3, on: true, none: null })
    expect(expanded.issues).toEqual([])
    expect(expanded.substituted).toEqual(['llm.internal', '8443', 'sk-abc-123'])
  })

  it('reads $${ as a literal ${, even before a variable name', () => {
    expect(expandEnvironment({ text: 'a $${HOST} b $$ c $x ${HOST}' }, environment).value).toEqual({ text: 'a ${HOST} b $$ c $x llm.internal' })
  })

  it('reports each malformed or missing reference at its path, and keeps the text as written', () => {
    const expanded = expandEnvironment({ list: ['${HOST', '${1ABC}', '${}', '${NOPE}', '${EMPTY}'] }, { ...environment, EMPTY: '' })
    expect(expanded.issues.map((issue) => issue.path)).toEqual([['list', 0], ['list', 1], ['list', 2], ['list', 3], ['list', 4]])
    expect(expanded.issues[0]?.message).toContain('malformed')
    expect(expanded.issues[3]?.message).toBe('names the environment variable NOPE, which is not set')
    expect(expanded.issues[4]?.message).toBe('names the environment variable EMPTY, which is empty')
    expect(expanded.value).toEqual({ list: ['${HOST', '${1ABC}', '${}', '${NOPE}', '${EMPTY}'] })
  })

  it('keeps a __proto__ key as a plain key rather than changing the prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "${HOST}"}}') as unknown
    const expanded = expandEnvironment(input, environment).value as Record<string, unknown>
    expect(Object.getPrototypeOf(expanded)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(expanded, '__proto__')?.value).toEqual({ polluted: 'llm.internal' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('stops at a cycle or deep nesting instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = { name: '${HOST}' }
    cyclic.self = cyclic
    const expanded = expandEnvironment(cyclic, environment)
    expect(expanded.issues).toHaveLength(1)
    expect(expanded.issues[0]?.message).toContain('nests deeper than')
  })

  it('leaves a non-plain value (a Date) as it is, for validation to refuse', () => {
    const date = new Date(0)
    const expanded = expandEnvironment({ when: date }, environment).value as { when: unknown }
    expect(expanded.when).toBe(date)
  })
})

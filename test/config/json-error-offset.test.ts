import { describe, expect, it } from 'vitest'
import { jsonErrorOffset } from '../../src/config/json-error-offset.js'

function parses(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

const sample = JSON.stringify({ providers: { openai: { type: 'openai', apiKey: 'sk-\u00e9\\"x', headers: { a: 'b' } } }, list: [1, -2.5e3, true, false, null, [], {}], text: 'tab\there' }, null, 2)

describe('jsonErrorOffset', () => {
  it('finds no error in valid JSON', () => {
    expect(jsonErrorOffset(sample)).toBeUndefined()
    expect(jsonErrorOffset(' [ ] ')).toBeUndefined()
    expect(jsonErrorOffset('"\\u00e9"')).toBeUndefined()
  })

  it('points at the offending character', () => {
    expect(jsonErrorOffset('{\n  "a": 1,\n}')).toBe(12)
    expect(jsonErrorOffset('{"apiKey": sk-live-123}')).toBe(11)
    expect(jsonErrorOffset('[1,]')).toBe(3)
    expect(jsonErrorOffset('{"a" 1}')).toBe(5)
    expect(jsonErrorOffset('[01]')).toBe(2)
    expect(jsonErrorOffset('{"a": "x\ny"}')).toBe(8)
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9)
    expect(jsonErrorOffset('{"a": [1, 2')).toBe(11)
    expect(jsonErrorOffset('')).toBe(0)
  })

  it('agrees with JSON.parse on every truncation and many one-character edits of a config', () => {
    const replacements = ['', ',', '}', ']', '"', ':', 'x', '0', ' ', '\\']
    let checked = 0
    for (let cut = 0; cut <= sample.length; cut += 1) {
      const truncated = sample.slice(0, cut)
      expect(jsonErrorOffset(truncated) === undefined, truncated).toBe(parses(truncated))
      const edited = `${sample.slice(0, cut)}${replacements[cut % replacements.length]}${sample.slice(cut + 1)}`
      expect(jsonErrorOffset(edited) === undefined, edited).toBe(parses(edited))
      checked += 2
    }
    expect(checked).toBeGreaterThan(300)
  })

  it('handles deep nesting without overflowing the stack', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(199_999)}`
    expect(jsonErrorOffset(deep)).toBe(deep.length)
  })
})

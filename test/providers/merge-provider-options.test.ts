import { describe, expect, it } from 'vitest'
import { SwitchyardError } from '../../src/errors/switchyard-error.js'
import { mergeProviderOptions, maxProviderOptionsDepth } from '../../src/providers/merge-provider-options.js'

function refusal(run: () => unknown): SwitchyardError {
  try {
    run()
  } catch (error) {
    if (SwitchyardError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('mergeProviderOptions', () => {
  it('merges objects key by key and replaces anything else, for the named provider type only', () => {
    const body = { model: 'm', generationConfig: { temperature: 0.2, stopSequences: ['a'] }, tools: [{ name: 't' }] }
    const merged = mergeProviderOptions(body, { gemini: { generationConfig: { seed: 3, stopSequences: ['b'] }, tools: [] }, openai: { store: false } }, 'gemini')
    expect(merged).toEqual({ model: 'm', generationConfig: { temperature: 0.2, stopSequences: ['b'], seed: 3 }, tools: [] })
    expect(body.generationConfig).toEqual({ temperature: 0.2, stopSequences: ['a'] })
    expect(mergeProviderOptions(body, { openai: { store: false } }, 'anthropic')).toBe(body)
  })

  it('keeps a __proto__ key from parsed JSON as data, never as a prototype', () => {
    const options = JSON.parse('{"__proto__": {"polluted": true}, "metadata": {"__proto__": {"deep": true}}}') as Record<string, unknown>
    const merged = mergeProviderOptions({ metadata: { run: 'r' } }, { openai: options }, 'openai')
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(JSON.parse(JSON.stringify(merged))).toEqual(JSON.parse('{"__proto__": {"polluted": true}, "metadata": {"run": "r", "__proto__": {"deep": true}}}'))
  })

  it('refuses what is not a body object, what touches stream or model, and what is too deep or too big', () => {
    expect(refusal(() => mergeProviderOptions({}, { openai: ['x'] as unknown as Record<string, unknown> }, 'openai')).code).toBe('request_invalid')
    expect(refusal(() => mergeProviderOptions({}, { anthropic: { stream: false } }, 'anthropic')).message).toBe('providerOptions.anthropic: "stream" is set by switchyard and cannot be overridden')
    let deep: unknown = 1
    for (let level = 0; level <= maxProviderOptionsDepth; level += 1) deep = [deep]
    expect(refusal(() => mergeProviderOptions({}, { gemini: { deep } }, 'gemini')).message).toContain('deeper than')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(refusal(() => mergeProviderOptions({}, { gemini: cyclic }, 'gemini')).message).toContain('is not JSON')
    expect(refusal(() => mergeProviderOptions({}, { gemini: { big: 'é'.repeat(40_000) } }, 'gemini')).message).toContain('bytes')
  })
})

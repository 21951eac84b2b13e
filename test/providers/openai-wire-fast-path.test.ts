import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import {
  chatCompletionResult,
  chatCompletionSchema,
  chatCompletionWire,
} from '../../src/providers/openai/chat-completions-result.js'
import {
  chatCompletionChunkWire,
  ChatCompletionsStreamAccumulator,
} from '../../src/providers/openai/chat-completions-stream.js'
import { type FastWireSchema, parseWire, parseWireFast } from '../../src/providers/parse-wire.js'
import { isProviderError } from '../../src/providers/provider-error.js'
import { fixture, fixtureJson } from '../helpers/provider-server.js'

const context = { provider: 'openai', model: 'gpt-4o-mini', secrets: [] }

function recordedChunks(path: string): unknown[] {
  return fixture(path)
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.trim() !== 'data: [DONE]')
    .map((line): unknown => JSON.parse(line.slice('data: '.length)))
}

const recordedAnswers = [
  'openai/chat-completion.json',
  'openai/chat-completion-tool-calls.json',
  'openai/deepseek-chat-completion.json',
  'openai/openrouter-chat-completion.json',
].map((path) => ({ name: path, value: fixtureJson(path) }))

const recordedStreamChunks = [
  'openai/chat-stream.sse',
  'openai/chat-stream-tool-calls.sse',
  'wrap/chat-stream-without-usage.sse',
].flatMap((path) => recordedChunks(path).map((value, index) => ({ name: `${path} chunk ${index}`, value })))

/** Every usage field we read, with the billed cost as a string (OpenRouter) or a number. */
function everyUsageField(cost: string | number): Record<string, unknown> {
  return {
    prompt_tokens: 120,
    completion_tokens: 30,
    prompt_tokens_details: { cached_tokens: 64, cache_write_tokens: 16 },
    completion_tokens_details: { reasoning_tokens: 12 },
    prompt_cache_hit_tokens: 64,
    cost,
  }
}

// Every field we read, present and set, so that every one of them gets mutated below.
const everyAnswerField = {
  id: 'chatcmpl-1',
  model: 'gpt-4.1',
  choices: [
    {
      message: {
        content: 'Checking.',
        tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: everyUsageField('0.00042'),
  service_tier: 'flex',
  error: null,
}

const everyChunkField = {
  id: 'chatcmpl-1',
  model: 'gpt-4.1',
  choices: [
    {
      index: 0,
      delta: {
        content: 'Checking.',
        tool_calls: [{ index: 0, id: 'call_1', function: { name: 'get_weather', arguments: '{"ci' } }],
      },
      finish_reason: null,
    },
  ],
  usage: everyUsageField(0.00042),
  x_groq: { usage: everyUsageField(0.00042) },
  service_tier: 'priority',
  error: null,
}

const handMadeAnswers = [
  { name: 'every field we read', value: everyAnswerField },
  { name: 'an empty object', value: {} },
  { name: 'every field null', value: { id: null, model: null, choices: null, usage: null, error: null } },
  { name: 'an explicitly undefined error', value: { id: 'a', choices: [], error: undefined } },
  { name: 'a choice with a null message', value: { choices: [{ message: null, finish_reason: null }] } },
  {
    name: 'tool calls with null ids and functions',
    value: {
      choices: [
        {
          message: {
            content: null,
            tool_calls: [{ id: null, function: null }, { function: { name: null, arguments: null } }, {}],
          },
          finish_reason: 'tool_calls',
        },
      ],
    },
  },
  { name: 'usage with null details', value: { usage: { prompt_tokens: 3, prompt_tokens_details: null, completion_tokens_details: null } } },
  { name: 'usage with a numeric cost', value: { usage: { prompt_tokens: 3, completion_tokens: 1, cost: 0.0013557 } } },
  { name: 'usage with a decimal string cost', value: { usage: { prompt_tokens: 3, cost: '0.0013557' } } },
  { name: 'usage with a cost that is not a decimal', value: { usage: { prompt_tokens: 3, cost: 'n/a' } } },
  { name: 'negative and fractional counts', value: { usage: { prompt_tokens: -1, completion_tokens: 2.5, cost: -0 } } },
  {
    name: 'unknown keys at every depth',
    value: {
      id: 'a',
      object: 'chat.completion',
      extra: { nested: [1, 2] },
      choices: [
        {
          index: 0,
          logprobs: null,
          message: { role: 'assistant', refusal: null, tool_calls: [{ type: 'function', id: 'c', function: { name: 'f', arguments: '{}', strict: true } }] },
          finish_reason: 'stop',
        },
      ],
      usage: { total_tokens: 4, prompt_tokens_details: { audio_tokens: 0 }, completion_tokens_details: { audio_tokens: 0 }, cost_details: {} },
    },
  },
]

const handMadeChunks = [
  { name: 'every field we read', value: everyChunkField },
  { name: 'an empty object', value: {} },
  { name: 'every field null', value: { id: null, model: null, choices: null, usage: null, error: null } },
  { name: 'the usage-only chunk with empty choices', value: { id: 'a', choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, cost: '0.1' } } },
  { name: 'a choice with a null delta and index', value: { choices: [{ index: null, delta: null, finish_reason: 'stop' }] } },
  { name: 'a choice past the first', value: { choices: [{ index: 1, delta: { content: 'ignored' } }] } },
  {
    name: 'tool-call deltas with null fields',
    value: { choices: [{ delta: { content: null, tool_calls: [{ index: null, id: null, function: null }, { function: { name: null, arguments: null } }] } }] },
  },
  {
    name: 'unknown keys at every depth',
    value: {
      object: 'chat.completion.chunk',
      obfuscation: 'k2Q',
      choices: [{ logprobs: null, delta: { role: 'assistant', refusal: null, tool_calls: [{ type: 'function', function: { strict: true } }] } }],
      usage: { total_tokens: 4, is_byok: false },
    },
  },
]

/** The thrown error's message, for comparing the fast path's errors with parseWire's. */
function thrownMessage(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (!isProviderError(error)) throw error
    return error.message
  }
  throw new Error('expected a ProviderError, got none')
}

/** What `run` returns, or the code and message of the ProviderError it throws. */
function outcome(run: () => unknown): unknown {
  try {
    return run()
  } catch (error) {
    if (!isProviderError(error)) throw error
    return { error: { code: error.code, message: error.message } }
  }
}

/** The events, result and partial output of a fresh accumulator fed one chunk. */
function accumulated(chunk: unknown): unknown {
  const accumulator = new ChatCompletionsStreamAccumulator(context)
  return outcome(() => ({ events: accumulator.acceptParsed(chunk), result: accumulator.result(), partial: accumulator.partial() }))
}

function answerResult(completion: unknown): unknown {
  return outcome(() => chatCompletionResult(parseWireFast(completion, chatCompletionWire, context), context))
}

function zodAnswerResult(completion: unknown): unknown {
  return outcome(() => chatCompletionResult(chatCompletionSchema.parse(completion), context))
}

describe('the Chat Completions fast path', () => {
  it.each([...recordedAnswers, ...handMadeAnswers])('takes $name as it is, normalized as zod would', ({ value }) => {
    expect(chatCompletionWire.isCommon(value)).toBe(true)
    expect(parseWireFast(value, chatCompletionWire, context)).toBe(value)
    expect(answerResult(value)).toEqual(zodAnswerResult(value))
  })

  it('normalizes a recorded OpenRouter answer with its cached, written and billed usage', () => {
    const result = answerResult(fixtureJson('openai/openrouter-chat-completion.json'))
    expect(result).toMatchObject({
      text: 'Routing through OpenRouter works.',
      usage: { inputTokens: 3210, cacheReadInputTokens: 2048, cacheWriteInputTokens: 1024, providerCostUsd: '0.0013557' },
    })
  })

  const invalidAnswers: { name: string; value: unknown; where: string }[] = [
    { name: 'null', value: null, where: 'the top level' },
    { name: 'an array', value: [everyAnswerField], where: 'the top level' },
    { name: 'a numeric id', value: { id: 5 }, where: 'id' },
    { name: 'a boolean model', value: { model: false }, where: 'model' },
    { name: 'choices as an object', value: { choices: { 0: {} } }, where: 'choices' },
    { name: 'choices as a string', value: { choices: 'stop' }, where: 'choices' },
    { name: 'a null choice', value: { choices: [null] }, where: 'choices.0' },
    // eslint-disable-next-line no-sparse-arrays
    { name: 'a hole in choices', value: { choices: [, { message: null }] }, where: 'choices.0' },
    { name: 'a choice that is an array', value: { choices: [[]] }, where: 'choices.0' },
    { name: 'a numeric content', value: { choices: [{ message: { content: 42 } }] }, where: 'choices.0.message.content' },
    { name: 'a string message', value: { choices: [{ message: 'hello' }] }, where: 'choices.0.message' },
    { name: 'tool calls as an object', value: { choices: [{ message: { tool_calls: {} } }] }, where: 'choices.0.message.tool_calls' },
    { name: 'a tool call that is an array', value: { choices: [{ message: { tool_calls: [[]] } }] }, where: 'choices.0.message.tool_calls.0' },
    {
      name: 'a numeric function name in the second tool call',
      value: { choices: [{ message: { tool_calls: [{ id: 'a' }, { function: { name: 1 } }] } }] },
      where: 'choices.0.message.tool_calls.1.function.name',
    },
    { name: 'a numeric finish reason', value: { choices: [{ finish_reason: 1 }] }, where: 'choices.0.finish_reason' },
    { name: 'usage as an array', value: { usage: [] }, where: 'usage' },
    { name: 'NaN prompt tokens', value: { usage: { prompt_tokens: Number.NaN } }, where: 'usage.prompt_tokens' },
    { name: 'infinite completion tokens', value: { usage: { completion_tokens: Number.POSITIVE_INFINITY } }, where: 'usage.completion_tokens' },
    { name: 'negative infinite completion tokens', value: { usage: { completion_tokens: Number.NEGATIVE_INFINITY } }, where: 'usage.completion_tokens' },
    { name: 'prompt tokens as a string', value: { usage: { prompt_tokens: '12' } }, where: 'usage.prompt_tokens' },
    { name: 'NaN cached tokens', value: { usage: { prompt_tokens_details: { cached_tokens: Number.NaN } } }, where: 'usage.prompt_tokens_details.cached_tokens' },
    { name: 'string completion details', value: { usage: { completion_tokens_details: 'x' } }, where: 'usage.completion_tokens_details' },
    { name: 'string reasoning tokens', value: { usage: { completion_tokens_details: { reasoning_tokens: '3' } } }, where: 'usage.completion_tokens_details.reasoning_tokens' },
    { name: 'string cache hit tokens', value: { usage: { prompt_cache_hit_tokens: '1' } }, where: 'usage.prompt_cache_hit_tokens' },
    { name: 'a boolean cost', value: { usage: { cost: true } }, where: 'usage.cost' },
    { name: 'a NaN cost', value: { usage: { cost: Number.NaN } }, where: 'usage.cost' },
    { name: 'an infinite cost', value: { usage: { cost: Number.POSITIVE_INFINITY } }, where: 'usage.cost' },
    { name: 'an object cost', value: { usage: { cost: {} } }, where: 'usage.cost' },
  ]

  it.each(invalidAnswers)('sends $name to zod, which names $where', ({ value, where }) => {
    expect(chatCompletionWire.isCommon(value)).toBe(false)
    const message = thrownMessage(() => parseWireFast(value, chatCompletionWire, context))
    expect(message).toBe(thrownMessage(() => parseWire(value, chatCompletionSchema, context)))
    expect(message).toContain(`unexpected shape at ${where}:`)
  })

  it.each([
    { name: 'an error object', value: { error: { message: 'Upstream failed', code: 502 } } },
    { name: 'an error string', value: { error: 'Upstream failed' } },
    { name: 'a falsy error', value: { error: 0 } },
    // zod's copy drops the top-level message and type, so readErrorDetails must not see them.
    { name: 'an error beside top-level fields zod drops', value: { error: {}, message: 'top-level text', type: 'invalid_request_error', code: 'x' } },
  ])('sends $name to zod and throws the same error as before', ({ value }) => {
    expect(chatCompletionWire.isCommon(value)).toBe(false)
    expect(parseWireFast(value, chatCompletionWire, context)).not.toBe(value)
    expect(answerResult(value)).toEqual(zodAnswerResult(value))
    expect(answerResult(value)).toMatchObject({ error: { message: expect.any(String) } })
  })
})

describe('the Chat Completions chunk fast path', () => {
  it.each([...recordedStreamChunks, ...handMadeChunks])('takes $name as it is, accumulated as zod would', ({ value }) => {
    expect(chatCompletionChunkWire.isCommon(value)).toBe(true)
    expect(parseWireFast(value, chatCompletionChunkWire, context)).toBe(value)
    expect(accumulated(value)).toEqual(accumulated(chatCompletionChunkWire.schema.parse(value)))
  })

  it('accumulates a recorded tool-call stream to the same result through either path', () => {
    const chunks = recordedChunks('openai/chat-stream-tool-calls.sse')
    const fast = new ChatCompletionsStreamAccumulator(context)
    const zod = new ChatCompletionsStreamAccumulator(context)
    const fastEvents = chunks.flatMap((chunk) => fast.acceptParsed(chunk))
    const zodEvents = chunks.flatMap((chunk) => zod.acceptParsed(chatCompletionChunkWire.schema.parse(chunk)))
    expect(fastEvents).toEqual(zodEvents)
    expect(fast.result()).toEqual(zod.result())
    expect(fast.result().toolCalls.length).toBeGreaterThan(0)
  })

  const invalidChunks: { name: string; value: unknown; where: string }[] = [
    { name: 'a string', value: 'data', where: 'the top level' },
    { name: 'choices as an object', value: { choices: {} }, where: 'choices' },
    { name: 'a NaN choice index', value: { choices: [{ index: Number.NaN }] }, where: 'choices.0.index' },
    { name: 'a numeric delta content', value: { choices: [{ delta: { content: 42 } }] }, where: 'choices.0.delta.content' },
    { name: 'a string delta', value: { choices: [{ delta: 'x' }] }, where: 'choices.0.delta' },
    {
      name: 'a string tool-call index',
      value: { choices: [{ delta: { tool_calls: [{ index: '0' }] } }] },
      where: 'choices.0.delta.tool_calls.0.index',
    },
    {
      name: 'numeric arguments',
      value: { choices: [{ delta: { tool_calls: [{ function: { arguments: 7 } }] } }] },
      where: 'choices.0.delta.tool_calls.0.function.arguments',
    },
    { name: 'a numeric finish reason', value: { choices: [{ finish_reason: 0 }] }, where: 'choices.0.finish_reason' },
    { name: 'NaN usage tokens', value: { choices: [], usage: { completion_tokens: Number.NaN } }, where: 'usage.completion_tokens' },
    { name: 'a boolean usage', value: { usage: true }, where: 'usage' },
  ]

  it.each(invalidChunks)('sends $name to zod, which names $where', ({ value, where }) => {
    expect(chatCompletionChunkWire.isCommon(value)).toBe(false)
    const message = thrownMessage(() => new ChatCompletionsStreamAccumulator(context).acceptParsed(value))
    expect(message).toBe(thrownMessage(() => parseWire(value, chatCompletionChunkWire.schema, context)))
    expect(message).toContain(`unexpected shape at ${where}:`)
  })

  it('sends an in-stream error to zod and reports it as before', () => {
    const value = { error: { message: 'The server had an error.', type: 'server_error' }, message: 'not this one' }
    expect(chatCompletionChunkWire.isCommon(value)).toBe(false)
    expect(accumulated(value)).toEqual(accumulated(chatCompletionChunkWire.schema.parse(value)))
    expect(accumulated(value)).toMatchObject({ error: { code: 'server_error', message: expect.stringContaining('The server had an error.') } })
  })
})

type Path = (string | number)[]

/** The path of every property and element inside `value`, containers included. */
function pathsIn(value: unknown, path: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return []
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value)
  return keys.flatMap((key) => {
    const child = (value as Record<string | number, unknown>)[key]
    return [[...path, key], ...pathsIn(child, [...path, key])]
  })
}

const removed = Symbol('removed')

/** A deep copy of `value` with the property at `path` replaced, or deleted. */
function withReplacement(value: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(value)
  let parent = copy as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (replacement === removed) delete parent[last]
  else parent[last] = replacement
  return copy
}

const replacements: unknown[] = [
  removed,
  undefined,
  null,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -1,
  1.5,
  '',
  'text',
  '12',
  true,
  {},
  [],
  [null],
  [{}],
  { content: 1 },
]

/** Each sample with every property and element, at any depth, replaced by each of `replacements`. */
function mutationsOf(samples: { name: string; value: unknown }[]): { name: string; value: unknown }[] {
  return samples.flatMap(({ name, value }) =>
    pathsIn(value).flatMap((path) =>
      replacements.map((replacement) => ({
        name: `${name} with ${path.join('.')} = ${String(replacement === removed ? 'removed' : replacement)}`,
        value: withReplacement(value, path, replacement),
      })),
    ),
  )
}

function hasError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  return value.error !== undefined && value.error !== null
}

/**
 * The mutations on which the fast check and zod disagree: the fast check must pass
 * exactly what zod accepts without an error object, normalized to the same output.
 */
function disagreementsWithZod(
  wire: FastWireSchema<z.ZodType>,
  samples: { name: string; value: unknown }[],
  normalize: (value: unknown) => unknown,
): string[] {
  return mutationsOf(samples)
    .filter(({ value }) => {
      const zod = wire.schema.safeParse(value)
      const fast = wire.isCommon(value)
      if (fast !== (zod.success && !hasError(value))) return true
      return fast && !isDeepStrictEqual(normalize(value), normalize(zod.data))
    })
    .map(({ name }) => name)
}

/**
 * Every field path a wire schema declares (`choices.0.message.content`), read from zod's own
 * definitions: so that a field added to a schema, and not to the samples that the mutation
 * tests below mutate, fails here instead of slipping past a fast check that never reads it.
 */
function schemaPaths(schema: z.ZodType, prefix = ''): string[] {
  const definition = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> } } })._zod.def
  switch (definition.type) {
    case 'optional':
    case 'nullable':
      return schemaPaths(definition.innerType!, prefix)
    case 'array':
      return schemaPaths(definition.element!, `${prefix}0.`)
    case 'object':
      return Object.entries(definition.shape!).flatMap(([key, field]) => [`${prefix}${key}`, ...schemaPaths(field, `${prefix}${key}.`)])
    default:
      return []
  }
}

function hasPath(value: unknown, path: string): boolean {
  let current = value
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !(key in current)) return false
    current = (current as Record<string, unknown>)[key]
  }
  return true
}

describe('the fast checks against zod, field by field', () => {
  it('mutate every field their schemas declare: the samples hold each one', () => {
    const answerPaths = schemaPaths(chatCompletionWire.schema)
    const chunkPaths = schemaPaths(chatCompletionChunkWire.schema)
    expect(answerPaths).toContain('choices.0.message.tool_calls.0.function.arguments')
    expect(chunkPaths).toContain('usage.completion_tokens_details.reasoning_tokens')
    expect(answerPaths.filter((path) => !hasPath(everyAnswerField, path))).toEqual([])
    expect(chunkPaths.filter((path) => !hasPath(everyChunkField, path))).toEqual([])
  })

  it('agree on every mutation of the recorded and hand-made answers', () => {
    const samples = [...recordedAnswers, { name: 'every field we read', value: everyAnswerField }]
    expect(mutationsOf(samples).length).toBeGreaterThan(1000)
    expect(disagreementsWithZod(chatCompletionWire, samples, answerResult)).toEqual([])
  })

  it('agree on every mutation of the recorded and hand-made chunks', () => {
    const samples = [...recordedStreamChunks, { name: 'every field we read', value: everyChunkField }]
    expect(mutationsOf(samples).length).toBeGreaterThan(1000)
    expect(disagreementsWithZod(chatCompletionChunkWire, samples, accumulated)).toEqual([])
  })
})

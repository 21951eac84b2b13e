import type { IncomingHttpHeaders } from 'node:http'
import { propagation, ROOT_CONTEXT, type Baggage, type Context, type TextMapGetter } from '@opentelemetry/api'
import { W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { invalidField } from './gateway-error.js'

/** Where a request says it comes from: its workflow, step, run id and tags, and the caller's trace. */
export interface CallerContext {
  workflow?: string
  step?: string
  runId?: string
  tags: Record<string, string>
  /** The caller's trace from `traceparent` (ROOT_CONTEXT without one): the parent of the SERVER span. */
  parent: Context
}

const maxTags = 32
const maxValueLength = 256
const tagKeyPattern = /^[A-Za-z0-9_.-]{1,64}$/
/** Printable ASCII and any non-ASCII letter; no control characters. */
const valuePattern = /^[^\p{Cc}]+$/u

/*
 * Baggage entries read, the same names switchyard's own workflow()/step() propagate, so
 * a Node service using switchyard that calls the gateway passes its workflow on as is.
 */
const baggageKeys = { workflow: 'switchyard.workflow', runId: 'switchyard.workflow.run_id', step: 'switchyard.step', tagPrefix: 'switchyard.tag.' }
const tagHeaderPrefix = 'x-switchyard-tag-'

const traceContext = new W3CTraceContextPropagator()
const baggagePropagator = new W3CBaggagePropagator()
const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
}

/**
 * Read the caller's workflow, step, run id and tags from the `x-switchyard-*` headers,
 * falling back to W3C `baggage` entries of the same meaning, and its trace from
 * `traceparent`. Every value is bounded and checked: a bad one is a 400 naming the header.
 * Headers win over baggage; the key's own tags, added later, win over both.
 */
export function readCallerContext(headers: IncomingHttpHeaders): CallerContext {
  const parent = traceContext.extract(ROOT_CONTEXT, headers, headerGetter)
  const baggage = typeof headers.baggage === 'string' ? propagation.getBaggage(baggagePropagator.extract(ROOT_CONTEXT, headers, headerGetter)) : undefined
  const caller: CallerContext = { tags: baggage === undefined ? {} : baggageTags(baggage), parent }
  const workflow = headerValue(headers, 'x-switchyard-workflow') ?? baggageValue(baggage, baggageKeys.workflow)
  if (workflow !== undefined) caller.workflow = workflow
  const step = headerValue(headers, 'x-switchyard-step') ?? baggageValue(baggage, baggageKeys.step)
  if (step !== undefined) caller.step = step
  const runId = headerValue(headers, 'x-switchyard-run-id') ?? baggageValue(baggage, baggageKeys.runId)
  if (runId !== undefined) caller.runId = runId
  for (const name of Object.keys(headers)) {
    if (!name.startsWith(tagHeaderPrefix)) continue
    const key = name.slice(tagHeaderPrefix.length)
    if (!isTagKey(key)) throw invalidField(`header ${name}`, 'tag names use letters, digits, "_", "." and "-" (1 to 64)')
    caller.tags[key] = headerValue(headers, name)!
  }
  if (Object.keys(caller.tags).length > maxTags) throw invalidField('header x-switchyard-tag-*', `at most ${maxTags} tags`)
  return caller
}

function isTagKey(key: string): boolean {
  return tagKeyPattern.test(key) && key !== '__proto__'
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name]
  if (raw === undefined) return undefined
  if (Array.isArray(raw)) throw invalidField(`header ${name}`, 'must be sent once')
  return checkedValue(raw.trim(), `header ${name}`)
}

function checkedValue(value: string, param: string): string {
  if (value.length === 0 || value.length > maxValueLength) throw invalidField(param, `must have 1 to ${maxValueLength} characters`)
  if (!valuePattern.test(value)) throw invalidField(param, 'must not contain control characters')
  return value
}

function baggageValue(baggage: Baggage | undefined, key: string): string | undefined {
  const value = baggage?.getEntry(key)?.value
  return value === undefined ? undefined : checkedValue(value, `baggage ${key}`)
}

function baggageTags(baggage: Baggage): Record<string, string> {
  const tags: Record<string, string> = {}
  let count = 0
  for (const [key, entry] of baggage.getAllEntries()) {
    if (!key.startsWith(baggageKeys.tagPrefix)) continue
    const tag = key.slice(baggageKeys.tagPrefix.length)
    if (!isTagKey(tag)) throw invalidField(`baggage ${key}`, 'tag names use letters, digits, "_", "." and "-" (1 to 64)')
    count += 1
    if (count > maxTags) throw invalidField('baggage', `at most ${maxTags} switchyard.tag.* entries`)
    tags[tag] = checkedValue(entry.value, `baggage ${key}`)
  }
  return tags
}

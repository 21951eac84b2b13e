import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { context, trace, type Attributes } from '@opentelemetry/api'
import { BasicTracerProvider, SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace-base'
import { afterAll, expect, it } from 'vitest'
import { ServerSpan } from '../../src/gateway/server-span.js'

const sampled: Array<{ name: string; attributes: Attributes }> = []
const sampler: Sampler = {
  shouldSample(_context, _traceId, name, _kind, attributes) {
    sampled.push({ name, attributes: { ...attributes } })
    return { decision: SamplingDecision.RECORD_AND_SAMPLED }
  },
  toString: () => 'recording sampler',
}
const provider = new BasicTracerProvider({ sampler })
trace.setGlobalTracerProvider(provider)

afterAll(async () => {
  trace.disable()
  await provider.shutdown()
})

it('gives a sampler the method and route of a gateway request when its SERVER span starts', () => {
  const request = new IncomingMessage(new Socket())
  request.method = 'POST'
  const span = new ServerSpan({ request, route: '/v1/chat/completions', parent: context.active(), serverPort: 4000 })
  span.end(200)
  expect(sampled).toEqual([{
    name: 'POST /v1/chat/completions',
    attributes: { 'http.request.method': 'POST', 'http.route': '/v1/chat/completions', 'url.path': '/v1/chat/completions', 'url.scheme': 'http' },
  }])
})

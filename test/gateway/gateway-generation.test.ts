import { afterAll, describe, expect, it } from 'vitest'
import { routerConfigOf } from '../../src/config/router-config-of.js'
import { GatewayError } from '../../src/gateway/gateway-error.js'
import { GatewayGeneration } from '../../src/gateway/gateway-generation.js'
import { resolveModel } from '../../src/gateway/resolve-model.js'
import { createRouter } from '../../src/router/create-router.js'
import { testConfig } from './start-test-gateway.js'

const config = testConfig('http://127.0.0.1:9')
const generation = new GatewayGeneration({ config, router: createRouter(routerConfigOf(config)), ledger: undefined })

afterAll(async () => {
  await generation.close()
})

describe('GatewayGeneration.resolveModel', () => {
  it('answers as resolveModel does, asked again and again', () => {
    for (let round = 0; round < 3; round++) {
      for (const model of ['fast', 'smart', 'up/gpt-4o-mini', 'up/some-new-model']) {
        expect(generation.resolveModel(model)).toEqual(resolveModel(config, model))
      }
    }
    expect(generation.resolveModel('fast')).toBe(generation.resolveModel('fast'))
  })

  it('refuses a model that names nothing with a 404 every time, and keeps resolving past its memory', () => {
    for (let round = 0; round < 2; round++) {
      const refusal = (() => {
        try {
          generation.resolveModel('nowhere/model')
          return undefined
        } catch (error) {
          return error
        }
      })()
      expect(GatewayError.isInstance(refusal) && refusal.status).toBe(404)
    }
    for (let index = 0; index < 400; index++) expect(generation.resolveModel(`up/model-${index}`).model).toBe(`up/model-${index}`)
    expect(generation.resolveModel('smart').route).toBe('smart')
    expect(() => generation.resolveModel('missing-route')).toThrow(/neither a configured route/)
  })
})

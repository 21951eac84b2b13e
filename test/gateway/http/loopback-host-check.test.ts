import { describe, expect, it } from 'vitest'
import { isLoopbackHostHeader } from '../../../src/collector/is-loopback-host.js'
import { LoopbackHostCheck } from '../../../src/gateway/http/loopback-host-check.js'

describe('LoopbackHostCheck', () => {
  it('answers as the Host check does, asked again and again', () => {
    const check = new LoopbackHostCheck()
    for (let round = 0; round < 3; round++) {
      for (const host of ['127.0.0.1:4000', 'localhost', '[::1]:8080', 'evil.example:4000', '127.0.0.1.evil.example', '']) {
        expect(check.isLoopback(host)).toBe(isLoopbackHostHeader(host))
      }
    }
  })

  it('still answers right after a client sent more distinct hosts than it remembers', () => {
    const check = new LoopbackHostCheck()
    for (let index = 0; index < 100; index++) expect(check.isLoopback(`evil-${index}.example`)).toBe(false)
    expect(check.isLoopback('localhost:4000')).toBe(true)
    expect(check.isLoopback('evil-1000.example')).toBe(false)
    expect(check.isLoopback('127.0.0.1')).toBe(true)
  })
})

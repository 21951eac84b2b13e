import { describe, expect, it } from 'vitest'
import type { VirtualKeyConfig } from '../../../src/config/gateway-config.js'
import { keyAllowsModel } from '../../../src/gateway/keys/key-allows-model.js'
import { createVirtualKey, hashVirtualKey } from '../../../src/gateway/keys/virtual-key.js'
import { VirtualKeyTable } from '../../../src/gateway/keys/virtual-key-table.js'
import { virtualKeyTags } from '../../../src/gateway/keys/virtual-key-tags.js'
import { ConfigError } from '../../../src/errors/config-error.js'

describe('createVirtualKey and hashVirtualKey', () => {
  it('makes a sy- key of 32 random bytes whose hash hashVirtualKey reproduces', () => {
    const { key, hash } = createVirtualKey()
    expect(key).toMatch(/^sy-[A-Za-z0-9_-]{43}$/)
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(hashVirtualKey(key)).toBe(hash)
    expect(createVirtualKey().key).not.toBe(key)
  })

  it('uses the random source it is given, so the key is the base64url of its bytes', () => {
    const bytes = Buffer.alloc(32, 0xfb)
    const { key, hash } = createVirtualKey(() => bytes)
    expect(key).toBe(`sy-${bytes.toString('base64url')}`)
    expect(hash).toBe(hashVirtualKey(key))
    expect(() => createVirtualKey(() => Buffer.alloc(8))).toThrow(RangeError)
  })

  it('hashes known text to its known SHA-256', () => {
    expect(hashVirtualKey('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})

describe('VirtualKeyTable', () => {
  const created = Array.from({ length: 200 }, (_, index) => ({ name: `team-${index}`, ...createVirtualKey() }))
  const table = new VirtualKeyTable(created.map(({ name, hash }) => ({ name, hash })))

  it('finds the entry of each presented key among many', () => {
    expect(table.size).toBe(200)
    for (const index of [0, 1, 99, 199]) {
      expect(table.find(created[index]?.key ?? '')?.name).toBe(`team-${index}`)
    }
  })

  it('finds nothing for a wrong, near-miss, empty or oversized key, and for a hash presented as the key', () => {
    const key = created[5]?.key ?? ''
    expect(table.find(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined()
    expect(table.find(`${key} `)).toBeUndefined()
    expect(table.find('')).toBeUndefined()
    expect(table.find(created[5]?.hash ?? '')).toBeUndefined()
    expect(table.find('x'.repeat(257))).toBeUndefined()
    expect(table.find(`${key}${'x'.repeat(300)}`)).toBeUndefined()
    expect(table.find(42 as unknown as string)).toBeUndefined()
  })

  it('takes a key of up to 256 characters, the longest it hashes', () => {
    const long = 'k'.repeat(256)
    const withLong = new VirtualKeyTable([{ name: 'long', hash: hashVirtualKey(long) }])
    expect(withLong.find(long)?.name).toBe('long')
  })

  it('is empty without keys and refuses an entry that is not a sha256 hash', () => {
    expect(new VirtualKeyTable([]).find('sy-anything')).toBeUndefined()
    expect(() => new VirtualKeyTable([{ name: 'bad', hash: 'sy-plaintext' }])).toThrow(ConfigError)
  })
})

describe('keyAllowsModel and virtualKeyTags', () => {
  const limited: VirtualKeyConfig = { name: 'team-a', hash: hashVirtualKey('a'), routes: ['smart', 'openai/gpt-5-mini'], tags: { team: 'a' } }

  it('allows exactly the listed routes and provider/model targets', () => {
    expect(keyAllowsModel(limited, 'smart')).toBe(true)
    expect(keyAllowsModel(limited, 'openai/gpt-5-mini')).toBe(true)
    expect(keyAllowsModel(limited, 'openai/gpt-5')).toBe(false)
    expect(keyAllowsModel(limited, 'smart2')).toBe(false)
    expect(keyAllowsModel(limited, 'SMART')).toBe(false)
  })

  it('allows everything when the key has no list, and nothing with an empty one', () => {
    expect(keyAllowsModel({ routes: undefined }, 'anything/at-all')).toBe(true)
    expect(keyAllowsModel({ routes: [] }, 'smart')).toBe(false)
  })

  it('tags a call with the key name under "key"', () => {
    expect(virtualKeyTags(limited)).toEqual({ team: 'a', key: 'team-a' })
    expect(virtualKeyTags({ name: 'bare' })).toEqual({ key: 'bare' })
  })
})

import { createHash, timingSafeEqual } from 'node:crypto'
import { ConfigError } from '../../errors/config-error.js'
import type { VirtualKeyConfig } from '../../config/gateway-config.js'

/** Keys switchyard makes are 46 characters; anything past this is not a key and is not hashed. */
export const maximumPresentedKeyLength = 256

interface Entry {
  digest: Buffer
  config: VirtualKeyConfig
}

/**
 * The gateway's virtual keys, looked up by the key a request presents. The presented
 * key is hashed once and its digest compared with every entry's in constant time,
 * without stopping at a match, so neither the answer's timing nor a map lookup
 * keyed by the secret tells an attacker how close a guess came or where it matched.
 */
export class VirtualKeyTable {
  readonly #entries: readonly Entry[]

  constructor(keys: readonly VirtualKeyConfig[]) {
    this.#entries = keys.map((config, index) => {
      const match = /^sha256:([0-9a-f]{64})$/.exec(config.hash)
      if (match?.[1] === undefined) {
        throw new ConfigError({ message: `gateway.keys.${index}.hash is not "sha256:" and 64 hex digits; make one with \`switchyard keys create\``, issues: [{ path: `gateway.keys.${index}.hash`, message: 'not a sha256 hash' }] })
      }
      return { digest: Buffer.from(match[1], 'hex'), config }
    })
  }

  get size(): number {
    return this.#entries.length
  }

  /** The key entry whose hash the presented key has, or undefined; never throws on hostile input. */
  find(presentedKey: string): VirtualKeyConfig | undefined {
    if (typeof presentedKey !== 'string' || presentedKey.length === 0 || presentedKey.length > maximumPresentedKeyLength) return undefined
    const digest = createHash('sha256').update(presentedKey, 'utf8').digest()
    let found: VirtualKeyConfig | undefined
    for (const entry of this.#entries) {
      // Every entry is compared, match or not, so the time taken does not depend on where a key sits.
      const equal = timingSafeEqual(entry.digest, digest)
      if (equal && found === undefined) found = entry.config
    }
    return found
  }
}

import { createHash, randomBytes } from 'node:crypto'

/** Every virtual key starts with this, so a leaked one is recognisable (and scannable) as switchyard's. */
export const virtualKeyPrefix = 'sy-'

/** 256 bits: a key cannot be guessed, so a fast hash is enough to store it. */
const keyBytes = 32

/**
 * A new virtual key and the hash the config stores in its place. The key is shown
 * once (`switchyard keys create`) and never written anywhere by switchyard; only the
 * hash goes into `gateway.keys`. `random` is crypto.randomBytes unless a test seeds it.
 */
export function createVirtualKey(random: (bytes: number) => Buffer = randomBytes): { key: string; hash: string } {
  const bytes = random(keyBytes)
  if (bytes.length !== keyBytes) throw new RangeError(`a virtual key needs ${keyBytes} random bytes, got ${bytes.length}`)
  const key = `${virtualKeyPrefix}${bytes.toString('base64url')}`
  return { key, hash: hashVirtualKey(key) }
}

/** The `sha256:<hex>` a config stores for a key; also how an existing key is rotated into a config. */
export function hashVirtualKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

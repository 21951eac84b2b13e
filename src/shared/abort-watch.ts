/** A listener of an abort: a function, or an object with `handleEvent` (no closure needed). */
export type AbortListener = (() => void) | { handleEvent(): void }

/**
 * What a provider call is aborted by: the part of `AbortSignal` the adapters use.
 * A real AbortSignal is one. The router hands each attempt its own lighter one
 * (src/router/attempt-signal.ts), because on Node 20 creating an AbortSignal
 * costs about 7 µs and adding and removing one listener about as much again, per
 * call, on the hot path. Code that needs a real AbortSignal (an SDK, `fetch`)
 * cannot take this one.
 */
export interface AbortWatch {
  readonly aborted: boolean
  readonly reason: unknown
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: AbortListener): void
}

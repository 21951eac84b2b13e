/** A method of an SDK resource, as called: `this` is the resource. */
export type SdkMethod = (this: unknown, ...args: unknown[]) => unknown

const instrumentedMark = Symbol.for('switchyard.instrumented')

/**
 * Replaces `target[name]` with `wrap(original)` as an own property of that one
 * resource object, so only this client changes, and the SDK's helpers that call
 * the method through the client (`chat.completions.stream`, `messages.stream`,
 * `parse`, `runTools`) go through the wrapper too. A method already wrapped is
 * left as it is: instrumenting a client twice records each call once.
 */
export function patchMethod(target: unknown, name: string, wrap: (original: SdkMethod) => SdkMethod): boolean {
  if (typeof target !== 'object' || target === null) return false
  const original: unknown = Reflect.get(target, name)
  if (typeof original !== 'function') return false
  if (instrumentedMark in original) return true
  const wrapped = wrap(original as SdkMethod)
  Object.defineProperty(wrapped, instrumentedMark, { value: true })
  Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true, enumerable: false })
  return true
}

import { diag } from '@opentelemetry/api'

/**
 * The SDK's own call, made now but sent only once `admitted` resolves (a budget
 * shared across processes answers from Redis a little later). The caller still gets
 * the SDK's own APIPromise, with its helpers (`.withResponse()`, `_thenUnwrap()`).
 * The SDK's methods build their request options and hand them, as a promise, to the
 * client's public low-level `request(options)`, which awaits them before it builds
 * anything. So, for the synchronous span of the method call only, `request` is
 * replaced on the client by one that gives the SDK's `request` the same options
 * behind `admitted`. When the admission is refused, the APIPromise rejects with the
 * refusal, as refusedCall's does, and nothing is sent. A client without `request`
 * gets a plain promise of the call, made once admitted.
 */
export function admittedCall(options: { client: object; admitted: Promise<unknown>; call: () => unknown }): unknown {
  const { client, admitted } = options
  const request: unknown = Reflect.get(client, 'request')
  if (typeof request !== 'function') return admitted.then(options.call)
  const hadOwn = Object.prototype.hasOwnProperty.call(client, 'request')
  const own: unknown = hadOwn ? Reflect.get(client, 'request') : undefined
  let deferred = 0
  const deferredRequest = function deferredRequest(this: unknown, requestOptions: unknown, ...rest: unknown[]): unknown {
    deferred += 1
    return request.call(this, admitted.then(() => requestOptions), ...rest)
  }
  if (!Reflect.set(client, 'request', deferredRequest)) return admitted.then(options.call)
  let result: unknown
  try {
    result = options.call()
  } finally {
    if (hadOwn) Reflect.set(client, 'request', own)
    else Reflect.deleteProperty(client, 'request')
  }
  if (deferred === 0) diag.warn('switchyard: an SDK call did not go through client.request; it was sent before its shared budget admitted it')
  return result
}

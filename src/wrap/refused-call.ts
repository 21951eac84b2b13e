/**
 * The answer to a call refused before it was sent (by a budget, or as an
 * unpriced model under the `block` policy): the SDK's own APIPromise, rejected
 * with the refusal, so the caller meets the error where the SDK puts every other one
 * (`await`, `.then`, `.withResponse()`, the SDK's helpers). It comes from the
 * client's public low-level `request(options)`, given options that reject: the SDK
 * awaits its options before it builds a request, so nothing is sent. A client
 * without that method gets the refusal thrown at once.
 */
export function refusedCall(client: object, refusal: unknown): unknown {
  const request: unknown = Reflect.get(client, 'request')
  if (typeof request !== 'function') throw refusal
  return request.call(client, Promise.reject(refusal))
}

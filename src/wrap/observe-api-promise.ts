/** What the SDK's APIPromise hands to its body parser: the HTTP response and the request options. */
export interface SdkResponseProps {
  response: Response
  options: { stream?: boolean }
  controller: AbortController
}

/**
 * The seam in the APIPromise of `openai` (v4 to v6) and `@anthropic-ai/sdk`: the
 * in-flight request (`responsePromise`) and the function that turns its response
 * into what the caller gets (`parseResponse`), both plain fields, read lazily by
 * `parse()` on the first `then`, `withResponse()` or `_thenUnwrap()`.
 */
interface ApiPromiseSeam {
  responsePromise: Promise<SdkResponseProps>
  parseResponse: (client: unknown, props: SdkResponseProps) => unknown
  parse: () => Promise<unknown>
  asResponse: () => Promise<Response>
}

export interface ApiPromiseHooks {
  /** The SDK parsed the body; returns what the caller gets instead (the same body, or a recording stream). Never throws. */
  parsed(body: unknown, client: unknown, props: SdkResponseProps): unknown
  /** The request or the parse failed. */
  failed(error: unknown): void
  /** The caller took the raw Response (`asResponse()`) without having the SDK parse it. */
  raw(response: Response): void
}

/**
 * Observes the call behind an APIPromise without replacing the object: the same
 * promise, of the SDK's own class, goes back to the caller, so `.withResponse()`,
 * `.asResponse()`, `_thenUnwrap()` (the SDK's own helpers) and `await` behave as
 * before. Only the promise's parser is swapped for one that calls the SDK's parser
 * first. Returns false when `promise` does not have the seam (an SDK version that
 * changed it), and then leaves it untouched.
 */
export function observeApiPromise(promise: unknown, hooks: ApiPromiseHooks): boolean {
  if (!hasSeam(promise)) return false
  const seam = promise
  const parseResponse = seam.parseResponse
  // Not an async function: on the path of every call, `then` costs one promise fewer than `await`.
  seam.parseResponse = (client, props) => {
    let parsing: unknown
    try {
      parsing = parseResponse.call(seam, client, props)
    } catch (error) {
      hooks.failed(error)
      return Promise.reject(error)
    }
    return Promise.resolve(parsing).then(
      (body) => hooks.parsed(body, client, props),
      (error: unknown) => {
        hooks.failed(error)
        throw error
      },
    )
  }
  seam.responsePromise.then(undefined, (error: unknown) => hooks.failed(error))

  let parseRequested = false
  const parse = seam.parse
  const asResponse = seam.asResponse
  // Own properties of this one promise, set by assignment: Object.defineProperties would
  // cost a µs per call and turn the promise into a slow dictionary-mode object.
  seam.parse = function parseObserved(this: ApiPromiseSeam): Promise<unknown> {
    parseRequested = true
    return parse.call(this)
  }
  seam.asResponse = function asResponseObserved(this: ApiPromiseSeam): Promise<Response> {
    const taken = asResponse.call(this)
    // withResponse() parses as well, and parse() already records the call.
    if (parseRequested) return taken
    return taken.then((response) => {
      hooks.raw(response)
      return response
    })
  }
  return true
}

function hasSeam(value: unknown): value is ApiPromiseSeam {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof ApiPromiseSeam, unknown>>
  return candidate.responsePromise instanceof Promise
    && typeof candidate.parseResponse === 'function'
    && typeof candidate.parse === 'function'
    && typeof candidate.asResponse === 'function'
}

import { diag } from '@opentelemetry/api'
import { admittedCall } from './admitted-call.js'
import { beginCall, type CallRecorder } from './begin-call.js'
import { observeApiPromise, type ApiPromiseHooks } from './observe-api-promise.js'
import type { SdkMethod } from './patch-method.js'
import type { CallPlanner, PlannedCall } from './planned-call.js'
import { refusedCall } from './refused-call.js'
import { recordSdkStream, type SdkStream } from './record-sdk-stream.js'
import type { WrapSettings } from './wrap-settings.js'

/**
 * Wraps one APIPromise-returning SDK method (`create`): plan the call from its
 * body, pass the budget (a block rejects the returned APIPromise, and the SDK
 * sends nothing),
 * open the span, call the SDK's own method, and observe the APIPromise it returns,
 * which goes back to the caller as it is. With a shared budget the request waits
 * for the admission across processes (see admittedCall), and a refusal rejects the
 * same APIPromise. Planning or recording problems leave the call to the SDK untouched.
 */
export function wrapApiCall(options: { client: object; original: SdkMethod; settings: WrapSettings; plan: CallPlanner }): SdkMethod {
  const { original, settings } = options
  return function instrumentedCall(this: unknown, body: unknown, ...rest: unknown[]): unknown {
    const planned = planSafely(options.plan, body)
    if (planned === undefined) return original.call(this, body, ...rest)
    let begun: CallRecorder | Promise<CallRecorder>
    try {
      begun = beginCall(settings, planned.description)
    } catch (refusal) {
      return refusedCall(options.client, refusal)
    }
    const hooks = new RecordingHooks(planned)
    const send = (): unknown => original.call(this, planned.body, ...rest)
    if (begun instanceof Promise) {
      const admitted = begun.then((recorder) => hooks.attach(recorder))
      let promise: unknown
      try {
        promise = admittedCall({ client: options.client, admitted, call: send })
      } catch (error) {
        // Nothing was sent: the reservation, once admitted, is given back.
        admitted.then(() => hooks.failed(error), () => undefined)
        throw error
      }
      return observe(promise, hooks)
    }
    hooks.attach(begun)
    let promise: unknown
    try {
      promise = send()
    } catch (error) {
      begun.fail(error)
      throw error
    }
    return observe(promise, hooks)
  }
}

/** Observe the APIPromise and hand it back as it is; one without the known shape is recorded without its answer. */
function observe(promise: unknown, hooks: RecordingHooks): unknown {
  let observed = false
  try {
    observed = observeApiPromise(promise, hooks)
  } catch (error) {
    diag.warn(`switchyard: cannot observe an SDK call: ${String(error)}`)
  }
  if (!observed) {
    diag.warn('switchyard: the SDK call returned no APIPromise with a known shape; it is recorded without its answer')
    hooks.unobserved()
  }
  return promise
}

function planSafely(plan: CallPlanner, body: unknown): PlannedCall | undefined {
  try {
    return plan(body)
  } catch (error) {
    diag.warn(`switchyard: cannot plan the record of an SDK call: ${String(error)}`)
    return undefined
  }
}

/**
 * Records the call from what its APIPromise reports; a class rather than closures,
 * made once per call. The recorder is attached once the call is admitted: a call
 * refused by a shared budget has none, and its refusal is recorded already.
 */
class RecordingHooks implements ApiPromiseHooks {
  readonly #planned: PlannedCall
  #recorder: CallRecorder = unrecorded
  #unobserved = false

  constructor(planned: PlannedCall) {
    this.#planned = planned
  }

  attach(recorder: CallRecorder): void {
    this.#recorder = recorder
    if (this.#unobserved) recorder.succeed({})
  }

  /** The APIPromise could not be observed: the call ends, unrecorded, as soon as it has a recorder. */
  unobserved(): void {
    this.#unobserved = true
    this.#recorder.succeed({})
  }

  parsed(body: unknown, client: unknown): unknown {
    const planned = this.#planned
    const recorder = this.#recorder
    if (!planned.description.stream) {
      this.#recordBody(body)
      return body
    }
    if (planned.tally === undefined || !isSdkStream(body)) {
      recorder.succeed({})
      return body
    }
    try {
      return recordSdkStream({ stream: body, client, tally: planned.tally(), recorder, show: planned.show })
    } catch (error) {
      diag.warn(`switchyard: cannot record an SDK stream: ${String(error)}`)
      recorder.succeed({})
      return body
    }
  }

  failed(error: unknown): void {
    this.#recorder.fail(error)
  }

  raw(response: Response): void {
    // A raw stream is the caller's to read; a plain body is read from a copy.
    if (this.#planned.description.stream || !response.ok) {
      this.#recorder.succeed({})
      return
    }
    try {
      response.clone().json().then((body: unknown) => this.#recordBody(body), () => this.#recorder.succeed({}))
    } catch {
      this.#recorder.succeed({})
    }
  }

  #recordBody(body: unknown): void {
    try {
      this.#planned.recordBody(body, this.#recorder)
    } catch (error) {
      diag.warn(`switchyard: cannot read the answer of an SDK call: ${String(error)}`)
      this.#recorder.succeed({})
    }
  }
}

/** The recorder of a call not admitted (yet): nothing to record. */
const unrecorded: CallRecorder = { firstOutput: () => {}, succeed: () => {}, fail: () => {} }

function isSdkStream(value: unknown): value is SdkStream {
  return typeof value === 'object'
    && value !== null
    && Symbol.asyncIterator in value
    && 'controller' in value
    && value.controller instanceof AbortController
}

import { diag } from '@opentelemetry/api'
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
 * which goes back to the caller as it is. Planning or recording problems leave
 * the call to the SDK untouched.
 */
export function wrapApiCall(options: { client: object; original: SdkMethod; settings: WrapSettings; plan: CallPlanner }): SdkMethod {
  const { original, settings } = options
  return function instrumentedCall(this: unknown, body: unknown, ...rest: unknown[]): unknown {
    const planned = planSafely(options.plan, body)
    if (planned === undefined) return original.call(this, body, ...rest)
    let recorder: CallRecorder
    try {
      recorder = beginCall(settings, planned.description)
    } catch (refusal) {
      return refusedCall(options.client, refusal)
    }
    let promise: unknown
    try {
      promise = original.call(this, planned.body, ...rest)
    } catch (error) {
      recorder.fail(error)
      throw error
    }
    let observed = false
    try {
      observed = observeApiPromise(promise, new RecordingHooks(planned, recorder))
    } catch (error) {
      diag.warn(`switchyard: cannot observe an SDK call: ${String(error)}`)
    }
    if (!observed) {
      diag.warn('switchyard: the SDK call returned no APIPromise with a known shape; it is recorded without its answer')
      recorder.succeed({})
    }
    return promise
  }
}

function planSafely(plan: CallPlanner, body: unknown): PlannedCall | undefined {
  try {
    return plan(body)
  } catch (error) {
    diag.warn(`switchyard: cannot plan the record of an SDK call: ${String(error)}`)
    return undefined
  }
}

/** Records the call from what its APIPromise reports; a class rather than closures, made once per call. */
class RecordingHooks implements ApiPromiseHooks {
  readonly #planned: PlannedCall
  readonly #recorder: CallRecorder

  constructor(planned: PlannedCall, recorder: CallRecorder) {
    this.#planned = planned
    this.#recorder = recorder
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

function isSdkStream(value: unknown): value is SdkStream {
  return typeof value === 'object'
    && value !== null
    && Symbol.asyncIterator in value
    && 'controller' in value
    && value.controller instanceof AbortController
}

import type { SwitchyardErrorCode } from './switchyard-error-code.js'

/**
 * The brand every switchyard error carries. `Symbol.for` returns the same symbol
 * in every copy of the package an application ends up with (two versions in
 * node_modules, a bundled and an installed one), where `instanceof` sees two
 * unrelated classes.
 */
const switchyardErrorBrand = Symbol.for('switchyard.error')

export interface SwitchyardErrorOptions {
  code: SwitchyardErrorCode
  message: string
  cause?: unknown
}

/**
 * The base of every error switchyard throws: a stable `code` to branch on, the
 * subclass's name as `name`, and the `cause` when there was one. Check with
 * `SwitchyardError.isInstance(error)` or `BudgetExceededError.isInstance(error)`
 * rather than `instanceof`, which fails when the error comes from another copy of
 * the package.
 */
export class SwitchyardError extends Error {
  readonly code: SwitchyardErrorCode

  constructor(options: SwitchyardErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause })
    // Set here, once, for every subclass; V8 reads it when it first formats `stack`,
    // so the stack starts with the subclass's name too.
    this.name = new.target.name
    this.code = options.code
  }

  /**
   * Whether `value` is an error of this class (or a subclass), also when it was
   * made by another copy of the package: the brand says it is a switchyard error,
   * and a class of the same name on its prototype chain says which.
   */
  static isInstance<T extends SwitchyardError>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (typeof value !== 'object' || value === null) return false
    if ((value as { [switchyardErrorBrand]?: unknown })[switchyardErrorBrand] !== true) return false
    if ((this as unknown) === SwitchyardError || value instanceof this) return true
    for (let prototype: unknown = Object.getPrototypeOf(value); prototype !== null && typeof prototype === 'object'; prototype = Object.getPrototypeOf(prototype)) {
      const constructor: unknown = (prototype as { constructor?: unknown }).constructor
      if (typeof constructor === 'function' && constructor.name === this.name) return true
    }
    return false
  }
}

// On the prototype, so it is neither an own property of each error nor in its JSON.
Object.defineProperty(SwitchyardError.prototype, switchyardErrorBrand, { value: true })

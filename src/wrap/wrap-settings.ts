import { createPriceTable } from '../pricing/create-price-table.js'
import { messageContentCaptureDefault } from '../telemetry/message-content-capture.js'
import type { PriceTable } from '../pricing/price-table.js'
import type { CallBudgetGate } from './call-budget-gate.js'
import type { ServerEndpoint } from './server-of-url.js'

/** Everything an instrumented call needs besides its own request, fixed when the client is instrumented. */
export interface WrapSettings {
  providerName: string
  server: ServerEndpoint
  priceTable: PriceTable
  budgets: CallBudgetGate | undefined
  tags: Readonly<Record<string, string>>
  captureContent: boolean
}

let defaultPriceTable: PriceTable | undefined

/**
 * Settings from the user's options. The built-in catalog is parsed once and
 * shared by every instrumented client that brings no price table of its own.
 */
export function wrapSettings(options: {
  providerName: string
  server: ServerEndpoint
  priceTable?: PriceTable
  budgets?: CallBudgetGate
  tags?: Record<string, string>
  captureMessageContent?: boolean
}): WrapSettings {
  const priceTable = options.priceTable ?? (defaultPriceTable ??= createPriceTable())
  const tags = { ...options.tags }
  return {
    providerName: options.providerName,
    server: options.server,
    priceTable,
    budgets: options.budgets,
    tags,
    captureContent: options.captureMessageContent ?? messageContentCaptureDefault(),
  }
}

import type { PriceTable } from '../pricing/price-table.js'
import type { CallBudgetGate } from './call-budget-gate.js'

/** Options of `instrument(client, options)`. */
export interface InstrumentOptions {
  /**
   * `gen_ai.provider.name` of the calls, and the provider the price table is
   * searched under. Default `openai` or `anthropic` by client; set it for an
   * OpenAI-compatible base URL (`openrouter`, `deepseek`, `groq`, ...).
   */
  provider?: string
  /** Default reporting tags (`switchyard.tag.<key>`); tags of the enclosing workflow win over these. */
  tags?: Record<string, string>
  /** Budgets every call passes before its request is sent; a block throws and nothing is sent. */
  budgets?: CallBudgetGate
  /**
   * Prices calls, at the prices of the service tier each answer names; default the
   * built-in catalog. Its unknown-model policy applies as in the router: under
   * `'block'` a call to a model it does not price is refused before its request
   * is sent (PriceUnknownError); under the others such a call is counted as an
   * estimate at the prices the policy gives.
   */
  priceTable?: PriceTable
  /**
   * Record prompt and completion text on the spans (`gen_ai.input.messages`,
   * `gen_ai.output.messages`); default off. The library does not read
   * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: pass it from your entry point.
   */
  captureMessageContent?: boolean
}

/**
 * The cost of one call as the pricing module states it. Its own file because the span
 * and the metrics both record it, and neither should import the other for it.
 */
export interface CallCost {
  costUsd: string
  source: 'catalog' | 'provider' | 'estimate' | 'unknown'
  priceVersion?: string
}

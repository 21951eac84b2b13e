/** A virtual key's rate limits (`gateway.keys[].rateLimit`): requests and tokens per minute, each optional. */
export interface RateLimit {
  requestsPerMinute?: number
  tokensPerMinute?: number
}

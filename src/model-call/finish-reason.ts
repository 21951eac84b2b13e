/** Why the model stopped, normalized across providers (the provider's own word is kept beside it). */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other'

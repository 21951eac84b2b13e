import { randomBytes } from 'node:crypto'

/**
 * Gemini may leave a `functionCall` without an id; switchyard then names it
 * `call_<12 random characters>_<n>`, one prefix per answer, so that ids stay
 * unique across the turns of a conversation. Such an id is never sent to Gemini;
 * one Gemini issued is (ToolCall.providerIssuedId).
 */
export function newCallIdPrefix(): string {
  return `call_${randomBytes(9).toString('base64url')}`
}

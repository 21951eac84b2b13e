import { randomUUID } from 'node:crypto'

/**
 * A message id in Anthropic's form (`msg_...`): the provider's own id when it has
 * one (prefixed unless it is already Anthropic's), so the answer can be found in the
 * provider's logs, else a fresh one.
 */
export function anthropicMessageId(providerId?: string): string {
  if (providerId === undefined || providerId === '') return `msg_${randomUUID().replaceAll('-', '')}`
  return providerId.startsWith('msg_') ? providerId : `msg_${providerId}`
}

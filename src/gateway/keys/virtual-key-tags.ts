import type { VirtualKeyConfig } from '../../config/gateway-config.js'

/**
 * The reporting tags of a call made with a key: the key's own `tags`, and `key` set to
 * its name (the config refuses a `key` tag), so budgets and reports match keys like
 * any other tag (`switchyard.tag.key`).
 */
export function virtualKeyTags(entry: Pick<VirtualKeyConfig, 'name' | 'tags'>): Record<string, string> {
  return { ...entry.tags, key: entry.name }
}

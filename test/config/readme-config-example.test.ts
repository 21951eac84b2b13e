import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { createVirtualKey } from '../../src/gateway/keys/virtual-key.js'
import { makeTempDirectory } from '../helpers/temp-directory.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const directory = makeTempDirectory('readme-config-example')
afterAll(() => directory.remove())

/** The README's gateway config example: the yaml block that starts with its file name. */
function exampleConfig(): string {
  const block = /```yaml\n(# switchyard\.config\.yaml[\s\S]*?)```/.exec(readme)
  if (block?.[1] === undefined) throw new Error('README.md has no switchyard.config.yaml example')
  return block[1]
}

describe('the README\'s gateway config example', () => {
  it('loads as written once its key hash is real, with the budget matching the key by tag', async () => {
    const { hash } = createVirtualKey()
    const file = path.join(directory.path, 'switchyard.config.yaml')
    writeFileSync(file, exampleConfig().replace('sha256:...', hash))
    const config = await loadConfig(file, { environment: { OPENAI_API_KEY: 'sk-openai-example', ANTHROPIC_API_KEY: 'sk-ant-example' } })
    expect(Object.keys(config.routes)).toEqual(['smart'])
    expect(config.gateway.keys).toMatchObject([{ name: 'team-a', hash, routes: ['smart'] }])
    expect(config.budgets[0]).toMatchObject({ name: 'team-a-daily', match: { 'tag.key': 'team-a' } })
  })
})

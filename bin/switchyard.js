#!/usr/bin/env node
// The `switchyard` command. Runs the compiled CLI when the package is built
// (`npm run build`, or an installed package); in a source checkout it falls back
// to the TypeScript sources through tsx, so `npx switchyard` works without a build.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url))
if (existsSync(compiled)) {
  await import(compiled)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}

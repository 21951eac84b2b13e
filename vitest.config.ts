import { defineConfig } from 'vitest/config'

// chdb binds one data directory per process, so every test file runs in its
// own forked process with its own directory (see test/helpers/temp-directory.ts).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
})

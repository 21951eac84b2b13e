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
    // Suites that need Python, Redis or Chromium declare it (test/helpers/external-parts.ts);
    // this lists, at the end of the run, the ones a missing part kept from running.
    globalSetup: ['test/setup/external-parts-report.ts'],
  },
})

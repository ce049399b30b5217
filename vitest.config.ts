import { defineConfig } from 'vitest/config'

// Tests use real DuckDB files, real local servers and real processes: give them room, and keep
// parallelism modest because CI machines have two cores.
export default defineConfig({
  test: {
    include: ['pipeline/**/*.test.ts', 'server/**/*.test.ts', 'electron/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
})

import { defineConfig } from 'vitest/config'

// Tests use real DuckDB files, real local servers and real processes: give them room, and keep
// parallelism modest because CI machines have two cores. The limits catch a hang, not slowness: with
// both cores busy (`npm run test:stress`) a test runs at a third of its quiet speed or less, so a
// test that takes 30 s on a quiet machine needs 120 s there; hooks that build a warehouse or start
// Chromium get more. Tests whose work is known to be longer say so beside them.
export default defineConfig({
  test: {
    include: ['pipeline/**/*.test.ts', 'server/**/*.test.ts', 'electron/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
})

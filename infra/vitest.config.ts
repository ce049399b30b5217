import { defineConfig } from 'vitest/config'

// The infrastructure program's own tests: Pulumi mocks in-process, no cloud and no CLI.
export default defineConfig({
  test: { include: ['*.test.ts'], testTimeout: 60_000, pool: 'forks' },
})

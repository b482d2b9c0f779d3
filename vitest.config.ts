import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Many tests spawn the built CLI or servers; on two shared cores one spawn can take seconds.
    // Tests never time anything, so these limits only catch hangs.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel processes, tests inside a file in order.
    pool: 'forks',
  },
})

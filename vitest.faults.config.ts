import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault-injection suite (private PostgreSQL and Redis instances broken under
 * traffic, the bot in its own process). Not part of `npm test`: it takes minutes and owns its own servers.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    // The product's process guard in the test process too: a file in which it fires fails.
    setupFiles: ['test/support/process-guard.setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});

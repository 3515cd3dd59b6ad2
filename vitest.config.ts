import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault-injection suite runs on its own (npm run test:faults, vitest.faults.config.ts).
    exclude: ['test/faults/**', 'node_modules/**'],
    // Each test file gets its own PostgreSQL schema (see test/support/db.ts), so files may run in parallel.
    // The CLI tests run a transpiled copy of the CLI (test/support/cli-build.ts): start-up in a fraction of the time.
    globalSetup: ['test/support/cli-build.ts'],
    pool: 'forks',
    // The product's process guard in every file: a file in which it fires fails (test/support/process-guard.setup.ts).
    setupFiles: ['test/support/process-guard.setup.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files in parallel. Vitest's default is one worker fewer than the cores, which on
 * the 2-core machines CI runs on is one: the suite ran file after file, and the second
 * core sat idle whenever the file waited on its sockets, timers or database. Two workers
 * at least: every file has its own server, database (a PGlite copy, or its own database
 * on PostgreSQL), temporary directories and ports, so files share nothing.
 */
// VITEST_MAX_WORKERS overrides it: .ci/run's pass on a PostgreSQL server, which shares the
// same cores with the server it tests, runs one file at a time.
const workers = Number(process.env.VITEST_MAX_WORKERS) || Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: workers } },
    // Generous: waits on conditions (up to 20 s each) must hold on a busy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    reporters: ['default'],
  },
});

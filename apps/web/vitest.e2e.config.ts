import { defineConfig } from 'vitest/config';

/**
 * End-to-end: Debian's Chromium (playwright-core) against a real Switchboard, the
 * server's CLI in a child process on the embedded database (e2e/support/server.ts). The
 * console must be built first (`vite build`): the server serves apps/web/dist.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});

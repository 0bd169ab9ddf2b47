import { defineConfig } from 'vitest/config';
import { CHROMIUM_PATH, hasChromium, isCi, recordSkip } from './e2e/support/programs';

/**
 * End-to-end: Debian's Chromium (playwright-core) against a real Switchboard, the
 * server's CLI in a child process on the embedded database (e2e/support/server.ts). The
 * console must be built first (`vite build`): the server serves apps/web/dist.
 *
 * Every `*.e2e.ts` drives Chromium: without it they are all skipped (and the root
 * `npm test` says so in its summary line), except under CI=true, where a missing Chromium
 * fails the run. `*.test.ts` here test the e2e tooling itself and need no browser.
 */
const isChromiumThere = hasChromium();
if (!isChromiumThere) {
  if (isCi) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: CI runs every suite (.ci/run installs chromium).`);
  }
  recordSkip({ suite: 'console e2e', reason: `no chromium at ${CHROMIUM_PATH}`, debianPackage: 'chromium' });
}

export default defineConfig({
  test: {
    include: isChromiumThere ? ['e2e/**/*.e2e.ts', 'e2e/**/*.test.ts'] : ['e2e/**/*.test.ts'],
    // Builds the server and one migrated database for all the browser suites.
    globalSetup: isChromiumThere ? ['e2e/support/global-setup.ts'] : [],
    passWithNoTests: true,
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});

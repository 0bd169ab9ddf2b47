import { defineConfig } from 'vitest/config';

/**
 * The PBX suite (`npm run test:pbx`): scenarios against a real Asterisk with SIPp phones.
 * Its files end in `.pbx.ts`, so the default suite never picks them up. One file at a
 * time: each starts its own Asterisk, and the machine's cores are shared.
 */
export default defineConfig({
  test: {
    include: ['test/pbx/**/*.pbx.ts'],
    globalSetup: ['test/pbx/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
});

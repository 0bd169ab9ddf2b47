import { defineConfig } from 'vitest/config';

/** Component and logic tests in a simulated browser (happy-dom). The e2e suite has its own config. */
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});

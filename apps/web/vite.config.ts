import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The console is served by the Switchboard server at `/`; `npm run dev` proxies the API to it. */
const apiTarget = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // No React plugin: esbuild's automatic JSX runtime is all the build needs (no Babel).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      output: {
        // Libraries in chunks of their own: they change far less often than the console,
        // so a new release re-downloads only the console's code.
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined;
          if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return 'react';
          if (id.includes('node_modules/jssip/') || id.includes('node_modules/sdp-transform/')) return 'sip';
          if (/node_modules\/(socket\.io-client|engine\.io-client|engine\.io-parser|socket\.io-parser)\//.test(id)) {
            return 'realtime';
          }
          if (id.includes('node_modules/zod/')) return 'zod';
          return 'vendor';
        },
      },
      onwarn(warning, warn) {
        // zod ships comments Rollup cannot place; harmless, and noise in every build.
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      '/api': apiTarget,
      '/socket.io': { target: apiTarget, ws: true },
      '/webhooks': apiTarget,
    },
  },
});

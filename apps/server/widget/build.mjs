// Builds the web-chat widget (src/widget.ts) into one minified script, dist/widget/widget.js
// of the server package, and prints its size: the target is 60 kB gzip (docs/benchmarks.md).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, '..', 'dist', 'widget', 'widget.js');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'widget.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outfile,
  legalComments: 'none',
  logLevel: 'warning',
});
const bytes = readFileSync(outfile);
const gzip = gzipSync(bytes, { level: 9 }).length;
console.log(
  `widget.js: ${(bytes.length / 1024).toFixed(1)} kB, ${(gzip / 1024).toFixed(1)} kB gzip (target 60 kB gzip)`,
);
if (gzip > 60 * 1024) {
  console.error('widget.js is over its 60 kB gzip budget');
  process.exit(1);
}

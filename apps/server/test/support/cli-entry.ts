/**
 * How a test starts the server's CLI in a process of its own. Compiled (`node
 * dist/src/cli.js`, what `npm start` runs) when apps/server/dist is up to date with every
 * source file — as in CI, where `npm run check` (tsc -b) has just built it; otherwise from
 * the sources through tsx, which is always right but costs seconds of compiling at every
 * start on a busy machine. `tsc -b apps/server/tsconfig.json` makes a local run fast.
 *
 * Up to date: no source file (nor the tsconfig) changed after tsc -b last finished, which
 * it marks by writing its build info (it leaves a compiled file alone when its source was
 * saved again unchanged, so the compiled files' own times cannot tell).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = join(SERVER_DIR, 'src');
const COMPILED = join(SERVER_DIR, 'dist', 'src');

export interface CliEntry {
  /** Arguments for `node` before the command (`serve`, `migrate`), run with cwd SERVER_DIR. */
  args: string[];
  isCompiled: boolean;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
      yield path;
    }
  }
}

/** Whether tsc -b compiled the sources as they are now. */
export function isCompiledUpToDate(): boolean {
  const buildInfo = join(SERVER_DIR, 'dist', 'tsconfig.tsbuildinfo');
  if (!existsSync(join(COMPILED, 'cli.js')) || !existsSync(buildInfo)) return false;
  const builtAt = statSync(buildInfo).mtimeMs;
  if (statSync(join(SERVER_DIR, 'tsconfig.json')).mtimeMs > builtAt) return false;
  for (const source of sourceFiles(SOURCES)) {
    if (statSync(source).mtimeMs > builtAt) return false;
    if (!existsSync(join(COMPILED, relative(SOURCES, source).replace(/\.ts$/, '.js')))) return false;
  }
  return true;
}

let decided: CliEntry | undefined;

export function cliEntry(): CliEntry {
  decided ??= isCompiledUpToDate()
    ? { args: ['dist/src/cli.js'], isCompiled: true }
    : { args: ['--import', 'tsx', 'src/cli.ts'], isCompiled: false };
  return decided;
}

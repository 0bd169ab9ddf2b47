/**
 * The e2e run on a machine without Chromium: every browser suite is skipped and said so in
 * the file the root `npm test` turns into its last line (tools/test-summary.mjs); under
 * CI=true the same run fails. The run is this package's own e2e config in a child
 * process, with CHROMIUM_PATH pointing nowhere.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
const SUMMARY = fileURLToPath(new URL('../../../tools/test-summary.mjs', import.meta.url));
const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const NOWHERE = '/nonexistent/switchboard-test/chromium';
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function skipsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-skips-test-'));
  dirs.push(dir);
  return join(dir, 'skips.jsonl');
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: WEB_DIR, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const runE2eWithoutChromium = (file: string, ci: 'true' | 'false') =>
  run([VITEST, 'run', '--config', 'vitest.e2e.config.ts', 'e2e/console.e2e.ts'], {
    CHROMIUM_PATH: NOWHERE,
    CI: ci,
    SWITCHBOARD_TEST_SKIPS: file,
  });

describe('the e2e run without Chromium', { timeout: 90_000 }, () => {
  it('skips the browser suites, passes, and names what was skipped in the summary line', async () => {
    const file = skipsFile();
    const { code, output } = await runE2eWithoutChromium(file, 'false');
    expect(code, output).toBe(0);
    expect(output).toContain(`SKIPPED console e2e: no chromium at ${NOWHERE} (apt-get install chromium)`);
    expect(output).not.toContain('No Chromium at');

    const summary = await run([SUMMARY, file], {});
    expect(summary.code).toBe(0);
    expect(summary.output.trim()).toBe(
      `skipped: console e2e (no chromium at ${NOWHERE}) — to run them: apt-get install chromium, ` +
        'or run ./.ci/run as root (it installs them all)',
    );
  });

  it('fails under CI=true, naming the missing program', async () => {
    const { code, output } = await runE2eWithoutChromium(skipsFile(), 'true');
    expect(code).not.toBe(0);
    expect(output).toContain(`No Chromium at ${NOWHERE}`);
  });
});

describe('the summary line of npm test', () => {
  it('lists each skipped suite once, with the packages that enable them', async () => {
    const file = skipsFile();
    const entries = [
      { suite: 'several API nodes', reason: 'no redis-server', debianPackage: 'redis-server' },
      { suite: 'console e2e', reason: 'no chromium', debianPackage: 'chromium' },
      { suite: 'several API nodes', reason: 'no redis-server', debianPackage: 'redis-server' },
    ];
    writeFileSync(file, `${entries.map((entry) => JSON.stringify(entry)).join('\n')}\n{"suite": "cut sh`);
    const { output } = await run([SUMMARY, file], {});
    expect(output.trim().split('\n')).toEqual([
      'skipped: several API nodes (no redis-server), console e2e (no chromium) — to run them: ' +
        'apt-get install redis-server chromium, or run ./.ci/run as root (it installs them all)',
    ]);
  });

  it('says nothing was skipped when no suite wrote to the file', async () => {
    const file = skipsFile();
    expect((await run([SUMMARY, file], {})).output.trim()).toBe('skipped: nothing (every suite ran)');
  });
});

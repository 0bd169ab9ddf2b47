/**
 * Once per e2e run, before any browser: the server compiled (tsc -b, incremental) so each
 * test file starts `node dist/src/cli.js` instead of compiling the sources through tsx at
 * start, and one migrated embedded database that each server copies instead of running
 * PGlite's initdb (on a busy 2-core machine: ~40 s of initdb and ~5 s of tsx per start,
 * against ~2 s for the copy). Where the server does not compile (work in progress), the
 * servers run from the sources as before.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { SERVER_DIR } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A DATA_DIR holding a migrated embedded database, to copy; '' when there is none. */
    e2eDataTemplate: string;
    /** Whether apps/server/dist is up to date with the sources. */
    e2eServerBuilt: boolean;
  }
}

function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: SERVER_DIR, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export default async function setup(project: TestProject): Promise<() => void> {
  // A run started by another e2e run (the Kamailio file re-runs itself in a network
  // namespace) takes what its parent prepared.
  const inherited = process.env.SWITCHBOARD_E2E_DATA_TEMPLATE;
  if (inherited && existsSync(inherited)) {
    project.provide('e2eDataTemplate', inherited);
    project.provide('e2eServerBuilt', process.env.SWITCHBOARD_E2E_SERVER_BUILT === 'true');
    return () => undefined;
  }
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = await run(process.execPath, [tsc, '-b', 'tsconfig.json']);
  const isBuilt = build.code === 0 && existsSync(join(SERVER_DIR, 'dist/src/cli.js'));
  if (!isBuilt) {
    console.warn(
      `e2e: the server does not compile; running it from its sources (slower):\n${build.output.slice(-2000)}`,
    );
  }
  const template = mkdtempSync(join(tmpdir(), 'switchboard-e2e-template-'));
  const cli = isBuilt ? ['dist/src/cli.js'] : ['--import', 'tsx', 'src/cli.ts'];
  const migrated = await run(process.execPath, [...cli, 'migrate'], {
    DATA_DIR: template,
    JWT_SECRET: 'e2e-template-secret-e2e-template-secret-0123',
  });
  const hasTemplate = migrated.code === 0;
  if (!hasTemplate)
    console.warn(`e2e: no database template; each server runs initdb:\n${migrated.output.slice(-2000)}`);
  project.provide('e2eDataTemplate', hasTemplate ? template : '');
  project.provide('e2eServerBuilt', isBuilt);
  if (hasTemplate) process.env.SWITCHBOARD_E2E_DATA_TEMPLATE = template;
  process.env.SWITCHBOARD_E2E_SERVER_BUILT = String(isBuilt);
  return () => rmSync(template, { recursive: true, force: true });
}

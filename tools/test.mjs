#!/usr/bin/env node
/**
 * `npm test`: every workspace's tests, then one line saying which suites were skipped
 * because this machine lacks a program (Chromium, redis-server, espeak-ng, kamailio …) and
 * how to enable them. A fresh machine with Node and npm alone passes; CI (CI=true) skips
 * nothing: there a missing program fails its suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipSummaryOf } from './test-summary.mjs';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-skips-'));
const skipsFile = join(dir, 'skips.jsonl');
const env = { ...process.env, SWITCHBOARD_TEST_SKIPS: skipsFile };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const steps = [
  ['run', 'build', '--workspace', 'packages/contracts'],
  ['test', '--workspaces', '--if-present'],
];

let status = 0;
for (const args of steps) {
  const started = performance.now();
  const step = spawnSync(npm, args, { stdio: 'inherit', env });
  // Each step's length in the log, so a CI run shows where its time went.
  const seconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`\n--- npm ${args.join(' ')}: ${seconds} s (exit ${step.status ?? step.signal})\n`);
  if (step.status !== 0) {
    status = step.status ?? 1;
    break;
  }
}
process.stdout.write(`\n${skipSummaryOf(skipsFile)}\n`);
rmSync(dir, { recursive: true, force: true });
process.exit(status);

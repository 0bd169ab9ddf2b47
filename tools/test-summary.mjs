#!/usr/bin/env node
/**
 * The one line that ends `npm test`: which suites were skipped for want of a program, and
 * how to get them. Suites append one JSON object a line ({suite, reason, debianPackage?})
 * to the file named by SWITCHBOARD_TEST_SKIPS (apps/server/test/support/programs.ts,
 * apps/web/e2e/support/programs.ts); tools/test.mjs prints this line from it.
 *
 *   node tools/test-summary.mjs <file>
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @param {string} text the file's content @returns {string} */
export function skipSummary(text) {
  /** @type {Map<string, {suite: string, reason: string, debianPackage?: string}>} */
  const skips = new Map();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const skip = JSON.parse(line);
      if (typeof skip.suite === 'string' && typeof skip.reason === 'string') {
        // Each test file that needs the program reports it: one entry per suite and reason.
        skips.set(`${skip.suite}\n${skip.reason}`, skip);
      }
    } catch {
      // A line cut by a crashed worker: what the other lines say still counts.
    }
  }
  if (skips.size === 0) return 'skipped: nothing (every suite ran)';
  const suites = [...skips.values()].map((skip) => `${skip.suite} (${skip.reason})`).join(', ');
  const packages = [
    ...new Set([...skips.values()].flatMap((skip) => (skip.debianPackage ? [skip.debianPackage] : []))),
  ];
  const install = packages.length > 0 ? `apt-get install ${packages.join(' ')}, or ` : '';
  return `skipped: ${suites} — to run them: ${install}run ./.ci/run as root (it installs them all)`;
}

/** @param {string} file @returns {string} */
export function skipSummaryOf(file) {
  return skipSummary(existsSync(file) ? readFileSync(file, 'utf8') : '');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node tools/test-summary.mjs <skips file>\n');
    process.exit(2);
  }
  process.stdout.write(`${skipSummaryOf(file)}\n`);
}

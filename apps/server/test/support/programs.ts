/**
 * Programs from Debian's packages that some suites drive (redis-server, espeak-ng …).
 * Without one, the suite is skipped and says so: a line on the console, and an entry in
 * the file the root `npm test` names in SWITCHBOARD_TEST_SKIPS, from which it prints one
 * summary line at the end of the run (tools/test.mjs). Under CI=true (.ci/run installs
 * them all) nothing is skipped: the suite runs and fails, so CI never passes by skipping.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface SkippedSuite {
  /** What a reader calls the suite: `scale-out`, `speech (espeak-ng)`. */
  suite: string;
  /** Why, in a few words: `no redis-server`. */
  reason: string;
  /** The Debian package that brings the program, when one does. */
  debianPackage?: string;
}

const isCi = process.env.CI === 'true';

export function hasProgram(program: string, versionArgs: readonly string[] = ['--version']): boolean {
  return spawnSync(program, versionArgs, { stdio: 'ignore' }).status === 0;
}

export function recordSkip(skip: SkippedSuite): void {
  const install = skip.debianPackage ? ` (apt-get install ${skip.debianPackage})` : '';
  console.warn(`SKIPPED ${skip.suite}: ${skip.reason}${install}`);
  const file = process.env.SWITCHBOARD_TEST_SKIPS;
  if (file) appendFileSync(file, `${JSON.stringify(skip)}\n`);
}

/**
 * True when `suite` must be skipped because `program` is missing (and recorded as such);
 * false when the program is there, and always false under CI=true.
 */
export function skipWithoutProgram(options: {
  suite: string;
  program: string;
  debianPackage: string;
  versionArgs?: readonly string[];
}): boolean {
  if (isCi || hasProgram(options.program, options.versionArgs)) return false;
  recordSkip({ suite: options.suite, reason: `no ${options.program}`, debianPackage: options.debianPackage });
  return true;
}

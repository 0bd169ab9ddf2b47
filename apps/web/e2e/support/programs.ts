/**
 * Programs from Debian's packages the e2e suites drive (chromium, kamailio). Without one a
 * suite is skipped and says so: a line on the console, and an entry in the file the root
 * `npm test` names in SWITCHBOARD_TEST_SKIPS, from which it prints one summary line at the
 * end of the run (tools/test.mjs). Under CI=true (.ci/run installs them all) a missing
 * program fails the run instead. Imported by vitest.e2e.config.ts: keep it free of
 * playwright-core.
 */
import { appendFileSync, existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const isCi = process.env.CI === 'true';

export interface SkippedSuite {
  suite: string;
  /** Why, in a few words: `no chromium`. */
  reason: string;
  debianPackage?: string;
}

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function recordSkip(skip: SkippedSuite): void {
  const install = skip.debianPackage ? ` (apt-get install ${skip.debianPackage})` : '';
  console.warn(`SKIPPED ${skip.suite}: ${skip.reason}${install}`);
  const file = process.env.SWITCHBOARD_TEST_SKIPS;
  if (file) appendFileSync(file, `${JSON.stringify(skip)}\n`);
}

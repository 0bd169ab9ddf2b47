/** Small helpers shared by the ARI and AMI protocol tests. */
import { pino } from 'pino';
import type { Logger } from '../../src/shared/logger.js';

/** A logger that prints nothing, so test output stays readable. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs` so no test waits forever. */
export async function waitUntil(condition: () => boolean, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves after `ms`: for asserting that something does NOT happen within a bounded window. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

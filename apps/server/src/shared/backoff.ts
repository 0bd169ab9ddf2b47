/**
 * Capped exponential backoff with "equal jitter": half the delay fixed, half random, so
 * nodes that lost a peer together do not come back in step, and none retries in a loop.
 */
export function computeReconnectDelayMs(
  attempt: number,
  settings: { initialDelayMs?: number; maxDelayMs?: number } = {},
  random: () => number = Math.random,
): number {
  const initial = settings.initialDelayMs ?? 500;
  const max = settings.maxDelayMs ?? 30_000;
  const capped = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/**
 * The agent's queue view (issue 12): waiting items in the order the routing engine serves
 * them (the server's `position`, never re-sorted here), each with its live waiting time
 * and a service-level colour against the queue's threshold.
 */
import type { QueueEntryDto } from '@switchboard/contracts';

export type ServiceLevelColour = 'within' | 'near' | 'breached';

/** From this share of the threshold on, an item is "near" (amber) before it breaches (red). */
export const NEAR_SHARE = 0.8;

/**
 * `within` below 80 % of the threshold, `near` from there, `breached` once the wait
 * reaches it. The wait counts from the first enqueue (a transfer keeps it, ADR 20).
 */
export function serviceLevelColour(waitSeconds: number, thresholdSeconds: number): ServiceLevelColour {
  if (thresholdSeconds <= 0) return waitSeconds > 0 ? 'breached' : 'within';
  if (waitSeconds >= thresholdSeconds) return 'breached';
  return waitSeconds >= thresholdSeconds * NEAR_SHARE ? 'near' : 'within';
}

/** Seconds since the customer first queued, at `now` (ms). */
export function liveWaitSeconds(entry: Pick<QueueEntryDto, 'original_enqueued_at'>, now: number): number {
  return Math.max(0, Math.floor((now - Date.parse(entry.original_enqueued_at)) / 1000));
}

/** Routing order: by the server's position; items without one (not waiting) after, as sent. */
export function inRoutingOrder<T extends Pick<QueueEntryDto, 'position'>>(entries: readonly T[]): T[] {
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort(
      (a, b) =>
        (a.entry.position ?? Number.MAX_SAFE_INTEGER) - (b.entry.position ?? Number.MAX_SAFE_INTEGER) ||
        a.index - b.index,
    )
    .map(({ entry }) => entry);
}

/** "0:42", "12:05", "1:02:03": a wait an agent reads at a glance. */
export function formatWait(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export interface QueueRow {
  entry: QueueEntryDto;
  waitSeconds: number;
  colour: ServiceLevelColour;
}

export function queueRows(entries: readonly QueueEntryDto[], thresholdSeconds: number, now: number): QueueRow[] {
  return inRoutingOrder(entries).map((entry) => {
    const waitSeconds = liveWaitSeconds(entry, now);
    return { entry, waitSeconds, colour: serviceLevelColour(waitSeconds, thresholdSeconds) };
  });
}

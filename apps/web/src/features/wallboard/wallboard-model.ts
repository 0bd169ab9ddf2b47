/**
 * What the wallboard shows, as pure rules: service-level colours, figures as text, live
 * waiting times, and which socket events mean the snapshot is stale.
 */
import type { WallboardDto } from '@switchboard/contracts';

export type ServiceLevelColour = 'within' | 'near' | 'breached' | 'none';

/** Within 5 points under the target counts as near: time for the supervisor to act. */
export const NEAR_MARGIN = 0.05;

export function serviceLevelColour(serviceLevel: number | null, target: number): ServiceLevelColour {
  if (serviceLevel === null) return 'none';
  if (serviceLevel >= target) return 'within';
  if (serviceLevel >= target - NEAR_MARGIN) return 'near';
  return 'breached';
}

/** The colour of a waiting item by its wait against the threshold: near from 75 % of it. */
export function waitColour(waitSeconds: number, thresholdSeconds: number): ServiceLevelColour {
  if (waitSeconds > thresholdSeconds) return 'breached';
  if (waitSeconds >= thresholdSeconds * 0.75) return 'near';
  return 'within';
}

export function formatPercent(value: number | null, locale: string): string {
  if (value === null) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value);
}

/** `42 s`, `3:05`, `1:02:03`, or a dash for no figure. */
export function formatSeconds(value: number | null): string {
  if (value === null) return '—';
  const seconds = Math.max(0, Math.round(value));
  if (seconds < 60) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Seconds since `since` at `now`, never negative (a clock a little behind the server's). */
export function secondsSince(since: string | null, now: number): number | null {
  if (since === null) return null;
  return Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
}

/** Events after which the snapshot is read again (once, however many arrive together). */
export const WALLBOARD_EVENTS = [
  'queue_entry_created',
  'entry_assigned',
  'entry_requeued',
  'entry_completed',
  'entry_abandoned',
  'entry_overflowed',
  'offer_created',
  'offer_accepted',
  'offer_rejected',
  'offer_expired',
  'queue_stats',
  'agent_presence_changed',
  'conversation_assigned',
  'conversation_closed',
] as const;

/** Queues first by how badly they are doing: breached, then near, then most waiting. */
export function sortQueues(queues: WallboardDto['queues']): WallboardDto['queues'] {
  const rank: Record<ServiceLevelColour, number> = { breached: 0, near: 1, within: 2, none: 3 };
  return [...queues].sort(
    (a, b) =>
      rank[serviceLevelColour(a.service_level_30m ?? a.service_level_today, a.service_level_target)] -
        rank[serviceLevelColour(b.service_level_30m ?? b.service_level_today, b.service_level_target)] ||
      b.waiting - a.waiting ||
      a.name.localeCompare(b.name),
  );
}

/** `almoço 2 · treinamento 1`, by count. */
export function pausedByReason(counts: Record<string, number>, unnamed: string): string {
  return Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([reason, count]) => `${reason || unnamed} ${count}`)
    .join(' · ');
}

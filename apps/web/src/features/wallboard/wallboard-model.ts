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

/**
 * Events after which the snapshot is read again (once, however many arrive together).
 * Not `queue_stats`: routing sends it every second while anyone waits, which would make
 * the board re-read as often as a poll; the entry events already say what changed.
 */
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

/**
 * What an event already tells, applied at once while the snapshot is read again: a new
 * waiting item, an item that stopped waiting, an agent's new status and pause reason.
 * Figures that need the day's facts (service level, AHT) wait for the snapshot.
 */
export function applyEvent(board: WallboardDto, event: string, data: Record<string, unknown>): WallboardDto {
  if (event === 'queue_entry_created' && data.state === 'waiting' && typeof data.queue_id === 'string') {
    const entryId = String(data.id);
    return {
      ...board,
      queues: board.queues.map((q) => {
        if (q.queue_id !== data.queue_id || q.waiting_items.some((i) => i.entry_id === entryId)) return q;
        const enqueuedAt = String(data.original_enqueued_at ?? data.enqueued_at);
        const channel = data.channel as WallboardDto['queues'][number]['waiting_items'][number]['channel'];
        return {
          ...q,
          waiting: q.waiting + 1,
          oldest_enqueued_at:
            q.oldest_enqueued_at === null || enqueuedAt < q.oldest_enqueued_at ? enqueuedAt : q.oldest_enqueued_at,
          waiting_items: [
            ...q.waiting_items,
            {
              entry_id: entryId,
              channel,
              label: typeof data.label === 'string' ? data.label : null,
              enqueued_at: enqueuedAt,
            },
          ],
        };
      }),
    };
  }
  if (event.startsWith('entry_') && event !== 'entry_requeued' && typeof data.id === 'string') {
    return {
      ...board,
      queues: board.queues.map((q) => {
        const items = q.waiting_items.filter((i) => i.entry_id !== data.id);
        if (items.length === q.waiting_items.length) return q;
        const oldest = items.reduce<string | null>(
          (min, i) => (min === null || i.enqueued_at < min ? i.enqueued_at : min),
          null,
        );
        return { ...q, waiting: Math.max(0, q.waiting - 1), waiting_items: items, oldest_enqueued_at: oldest };
      }),
    };
  }
  if (event === 'agent_presence_changed' && typeof data.agent_id === 'string') {
    const status = data.status as WallboardDto['agents'][number]['status'];
    const isConnected = data.websocket_connected !== false;
    return {
      ...board,
      agents: board.agents.map((a) => {
        if (a.agent_id !== data.agent_id) return a;
        const state =
          status === 'offline' || !isConnected
            ? 'offline'
            : status === 'away'
              ? 'paused'
              : a.state === 'paused' || a.state === 'offline'
                ? 'available'
                : a.state;
        return {
          ...a,
          status,
          state,
          pause_reason: state === 'paused' && typeof data.pause_reason === 'string' ? data.pause_reason : null,
          state_since: typeof data.status_changed_at === 'string' ? data.status_changed_at : a.state_since,
        };
      }),
    };
  }
  return board;
}

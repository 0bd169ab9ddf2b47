/** Presence of the company's users, kept current by `agent_presence_changed` events. */
import type { AgentPresenceChanged, AgentPresenceDto } from '@switchboard/contracts';

export type PresenceBoard = Readonly<Record<string, AgentPresenceDto>>;

export function boardOf(items: readonly AgentPresenceDto[]): PresenceBoard {
  return Object.fromEntries(items.map((item) => [item.agent_id, item]));
}

/**
 * Applies one change. An agent the board does not know yet (created after it loaded) is
 * reported as `unknown`: the caller reloads the list to learn their name.
 */
export function applyPresenceChange(
  board: PresenceBoard,
  change: AgentPresenceChanged,
): { board: PresenceBoard; isUnknownAgent: boolean } {
  const current = board[change.agent_id];
  if (!current) return { board, isUnknownAgent: true };
  // Events are delivered in seq order; a stale one (older timestamp) never wins.
  if (current.status_changed_at && change.status_changed_at && change.status_changed_at < current.status_changed_at) {
    return { board, isUnknownAgent: false };
  }
  return {
    board: {
      ...board,
      [change.agent_id]: {
        ...current,
        status: change.status,
        message: change.message,
        websocket_connected: change.websocket_connected,
        is_available: change.is_available,
        status_changed_at: change.status_changed_at,
        is_inactive: change.reason === 'timeout' ? true : change.websocket_connected ? false : current.is_inactive,
        last_heartbeat: change.reason === 'timeout' ? current.last_heartbeat : change.timestamp,
      },
    },
    isUnknownAgent: false,
  };
}

/** Seconds in the current status, from when it changed (null: never set). */
export function secondsInStatus(presence: Pick<AgentPresenceDto, 'status_changed_at'>, now: number): number | null {
  if (!presence.status_changed_at) return null;
  return Math.max(0, Math.floor((now - Date.parse(presence.status_changed_at)) / 1000));
}

const ORDER = { online: 0, busy: 1, away: 2, offline: 3 } as const;

/** Available first, then by status, then by name. */
export function sortBoard(board: PresenceBoard, locale: string): AgentPresenceDto[] {
  return Object.values(board).sort(
    (a, b) =>
      Number(b.is_available) - Number(a.is_available) ||
      ORDER[a.status] - ORDER[b.status] ||
      a.agent_name.localeCompare(b.agent_name, locale),
  );
}

/**
 * Who the supervisor board lists as agents: users with the agent role. Admins and
 * supervisors take no work from a queue; queue members join them once routing has queues.
 */
export function agentsOf<T extends Pick<AgentPresenceDto, 'role'>>(people: readonly T[]): T[] {
  return people.filter((person) => person.role === 'agent');
}

/** The pause reason routing sets when an agent lets offers lapse in a row. */
export const MISSED_OFFERS_REASON = 'missed_offers';

export type PauseExplanation = { kind: 'none' } | { kind: 'missed_offers' } | { kind: 'reason'; name: string };

/** Why an agent is away: a reason they chose, routing's missed offers, or nothing said. */
export function pauseOf(presence: Pick<AgentPresenceDto, 'status' | 'pause_reason'>): PauseExplanation {
  if (presence.status !== 'away' || !presence.pause_reason) return { kind: 'none' };
  if (presence.pause_reason === MISSED_OFFERS_REASON) return { kind: 'missed_offers' };
  return { kind: 'reason', name: presence.pause_reason };
}

/**
 * The menu's choice for the agent's reason: presence carries the reason's name (kept in
 * history when the reason is removed), the menu lists ids. '' when it is not offered.
 */
export function pauseReasonIdOf(reasons: readonly { id: string; name: string }[], name: string | null): string {
  return reasons.find((reason) => reason.name === name)?.id ?? '';
}

/**
 * Agent presence: the status an agent chose, whether any of their sockets is open, and
 * when they last proved to be alive. Pure rules; the rest of the module stores and
 * publishes what these decide.
 */
import type { Role } from '../../shared/actor.js';

export const PRESENCE_STATUSES = ['online', 'offline', 'busy', 'away'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

/** Why a presence changed, as the `agent_presence_changed` event tells it. */
export type PresenceChangeReason = 'status_updated' | 'connected' | 'disconnected' | 'timeout' | 'restored';

/** An agent of a company: how both presence tables are keyed. */
export interface AgentKey {
  companyId: string;
  agentId: string;
}

export interface PresenceState {
  status: PresenceStatus;
  message: string | null;
  lastHeartbeatAt: Date | null;
  /** At least one Socket.IO connection open on a live node (`websocket_connected`). */
  isConnected: boolean;
  /** Null until the status is first set. */
  statusChangedAt: Date | null;
  /** Why the agent is away: a company pause reason (`id`) or a system one (`missed_offers`, no id). */
  pause?: PauseReasonRef | null;
}

export interface PauseReasonRef {
  id: string | null;
  name: string;
}

export interface AgentPresence extends PresenceState {
  companyId: string;
  agentId: string;
  agentName: string;
  role: Role;
}

/** A presence as clients read it, with what is derived from it at `now`. */
export interface PresenceView extends AgentPresence {
  isAvailable: boolean;
  isInactive: boolean;
  secondsInStatus: number | null;
}

export interface PresenceChange {
  companyId: string;
  agentId: string;
  before: PresenceState;
  after: PresenceState;
  reason: PresenceChangeReason;
  at: Date;
}

export interface PresenceFilter {
  status?: PresenceStatus | undefined;
  isAvailable?: boolean | undefined;
  role?: Role | undefined;
}

/** A user never seen: offline, disconnected, no heartbeat. */
export const UNSEEN: PresenceState = {
  status: 'offline',
  message: null,
  lastHeartbeatAt: null,
  isConnected: false,
  statusChangedAt: null,
};

/** Can take conversations and calls: online and reachable in real time. */
export function isAvailable(state: PresenceState): boolean {
  return state.status === 'online' && state.isConnected;
}

/** No heartbeat for longer than the timeout (never one counts as inactive). */
export function isInactive(state: PresenceState, now: Date, timeoutMs: number): boolean {
  return state.lastHeartbeatAt === null || now.getTime() - state.lastHeartbeatAt.getTime() > timeoutMs;
}

export function secondsInStatus(state: PresenceState, now: Date): number | null {
  if (!state.statusChangedAt) return null;
  return Math.max(0, Math.floor((now.getTime() - state.statusChangedAt.getTime()) / 1000));
}

export function viewOf(presence: AgentPresence, now: Date, timeoutMs: number): PresenceView {
  return {
    ...presence,
    isAvailable: isAvailable(presence),
    isInactive: isInactive(presence, now, timeoutMs),
    secondsInStatus: secondsInStatus(presence, now),
  };
}

/** Whether anything but the heartbeat differs: what the sweeper must store. */
export function hasChanged(before: PresenceState, after: PresenceState): boolean {
  return (
    before.status !== after.status ||
    before.message !== after.message ||
    before.isConnected !== after.isConnected ||
    before.pause?.name !== after.pause?.name
  );
}

/**
 * Whether colleagues see a difference: status, message or availability. A heartbeat is
 * not one, nor a socket of an agent who is not online (a busy agent reloading the
 * console, a second tab): that would flood every console of the company for nothing.
 */
export function isVisibleChange(before: PresenceState, after: PresenceState): boolean {
  return (
    before.status !== after.status ||
    before.message !== after.message ||
    isAvailable(before) !== isAvailable(after) ||
    before.pause?.name !== after.pause?.name
  );
}

/**
 * The agent sets a status. The message belongs to it: none given clears the old one.
 * `statusChangedAt` moves only when the status does; setting a status proves the agent alive.
 */
export function withStatus(
  state: PresenceState,
  status: PresenceStatus,
  message: string | null | undefined,
  now: Date,
  pause: PauseReasonRef | null = null,
): PresenceState {
  const trimmed = message?.trim();
  return {
    ...state,
    status,
    message: trimmed ? trimmed : null,
    // A pause reason belongs to `away`; any other status clears it.
    pause: status === 'away' ? pause : null,
    lastHeartbeatAt: now,
    statusChangedAt: status === state.status && state.statusChangedAt ? state.statusChangedAt : now,
  };
}

/**
 * The sweeper's rule: an agent not offline, with no open socket and no heartbeat for
 * longer than the timeout, goes offline and loses the message of the status they left.
 * Undefined when nothing changes.
 */
export function timedOut(state: PresenceState, now: Date, timeoutMs: number): PresenceState | undefined {
  if (state.status === 'offline' || state.isConnected || !isInactive(state, now, timeoutMs)) return undefined;
  return { ...state, status: 'offline', message: null, pause: null, statusChangedAt: now };
}

/** The status an agent last chose themselves: what a fresh sign-in gives back. */
export interface ChosenStatus {
  status: PresenceStatus;
  message: string | null;
  pause: PauseReasonRef | null;
}

/**
 * Whether a socket connecting brings the agent's chosen status back: they are offline (a
 * timeout, a supervisor signing them out, or never set), chose another status before,
 * and signed in with their password after they went offline. A console reconnecting on
 * the same session (a laptop waking up) is not a sign-in: it stays offline, so work does
 * not go to someone who may not be at the desk.
 */
export function statusToRestore(
  state: PresenceState,
  chosen: ChosenStatus | null,
  lastLoginAt: Date | null,
): ChosenStatus | undefined {
  if (state.status !== 'offline' || !chosen || chosen.status === 'offline' || !lastLoginAt) return undefined;
  if (state.statusChangedAt && lastLoginAt.getTime() <= state.statusChangedAt.getTime()) return undefined;
  return chosen;
}

/**
 * How long a node may go without refreshing its connection rows before the sweeper takes
 * it for dead. Nodes refresh on every tick, so a live node is never later than one
 * interval; a dead node's agents are disconnected within the timeout plus two ticks.
 */
export function staleConnectionAfterMs(offlineAfterMs: number, sweepIntervalMs: number): number {
  return offlineAfterMs + sweepIntervalMs;
}

import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import type { EventPublisher } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { toPresenceChangedData } from './presence.dto.js';
import { HeartbeatBatch } from './presence.heartbeats.js';
import { keyString, type NodeRows, type PresenceRepository } from './presence.repository.js';
import {
  hasChanged,
  isVisibleChange,
  statusToRestore,
  staleConnectionAfterMs,
  timedOut,
  viewOf,
  withStatus,
  type AgentKey,
  type AgentPresence,
  type PauseReasonRef,
  type PresenceChange,
  type PresenceFilter,
  type PresenceState,
  type PresenceStatus,
  type PresenceView,
} from './presence.js';

export const PRESENCE_CHANGED_EVENT = 'agent.presence_changed';
export const SWEEPER_JOB = 'presence.sweeper';

export interface PresenceSettings {
  offlineAfterMs: number;
  sweepIntervalMs: number;
  /** Heartbeats received within this long are stored together (default HEARTBEAT_BATCH_MS). */
  heartbeatBatchMs?: number;
}

export interface PresenceServiceDeps {
  repository: PresenceRepository;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
  settings: PresenceSettings;
  /** This server process: its socket counts are stored under it. */
  nodeId: string;
}

export interface SweepResult {
  /** False when another node ran this tick. */
  isLeader: boolean;
  /** Agents whose presence changed (each published once when colleagues can see it). */
  changed: number;
  /** Connection rows of dead nodes removed. */
  staleConnections: number;
}

const keyOf = (actor: Actor): AgentKey => ({ companyId: actor.companyId, agentId: actor.userId });

const PG_DEADLOCK_DETECTED = '40P01';

function isDeadlock(error: unknown): boolean {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: unknown }).code === PG_DEADLOCK_DETECTED) return true;
  }
  return false;
}

export class PresenceService {
  private readonly heartbeats: HeartbeatBatch;

  constructor(private readonly deps: PresenceServiceDeps) {
    this.heartbeats = new HeartbeatBatch(
      (beats) => this.storeHeartbeats(beats),
      deps.logger,
      deps.settings.heartbeatBatchMs,
    );
  }

  async getMine(actor: Actor): Promise<PresenceView> {
    return this.viewOrThrow(keyOf(actor));
  }

  /** Every active user of the actor's company: any role may read it (see README). */
  async list(actor: Actor, filter: PresenceFilter): Promise<PresenceView[]> {
    const now = this.deps.clock.now();
    const agents = await this.deps.repository.listPresence(actor.companyId, filter);
    return agents.map((agent) => viewOf(agent, now, this.deps.settings.offlineAfterMs));
  }

  /**
   * `pauseReasonId`: one of the company's pause reasons, with `away`. `systemReason` is
   * set by the server itself (routing's `missed_offers`), never from a request.
   * `isChosenByAgent`: the agent set it themselves (HTTP or socket), so a fresh sign-in
   * restores it; a supervisor forcing it, routing or a call is not the agent's choice.
   */
  async setStatus(
    actor: Actor,
    input: {
      status: PresenceStatus;
      message?: string | null | undefined;
      pauseReasonId?: string | null | undefined;
      systemReason?: string | undefined;
      isChosenByAgent?: boolean;
    },
  ): Promise<PresenceView> {
    const key = keyOf(actor);
    const now = this.deps.clock.now();
    const pause = await this.pauseOf(actor, input);
    const change = await this.deps.repository.transaction(async (repo) => {
      const before = await repo.lockPresence(key, now);
      const after = withStatus(before, input.status, input.message, now, pause);
      await repo.savePresence(key, after, now);
      if (before.status !== after.status || before.pause?.name !== after.pause?.name) {
        await repo.recordStatusChange(key, after, now);
      }
      if (input.isChosenByAgent === true && !input.systemReason) {
        await repo.saveChosen(key, { status: after.status, message: after.message, pause: after.pause ?? null });
      }
      return { ...key, before, after, reason: 'status_updated' as const, at: now };
    });
    if (change.before.status !== change.after.status) {
      this.deps.logger.info({ ...key, from: change.before.status, to: change.after.status }, 'presence status set');
    }
    await this.publishIfVisible(change);
    return this.viewOrThrow(key);
  }

  private async pauseOf(
    actor: Actor,
    input: { status: PresenceStatus; pauseReasonId?: string | null | undefined; systemReason?: string | undefined },
  ): Promise<PauseReasonRef | null> {
    if (input.systemReason) return { id: null, name: input.systemReason };
    if (!input.pauseReasonId) return null;
    if (input.status !== 'away') {
      throw new ValidationError('presence.pause_reason_needs_away', 'A pause reason goes with the status away.', [
        { field: 'body.pause_reason_id', message: 'only with status away' },
      ]);
    }
    const reason = await this.deps.repository.findPauseReason(actor.companyId, input.pauseReasonId);
    if (!reason) throw new NotFoundError('pause_reason.not_found', 'No such pause reason.');
    return reason;
  }

  /**
   * Stores the heartbeat with the others received within the batching window (ADR 26)
   * and answers the presence as stored. The time stored is the moment it was received.
   */
  async heartbeat(actor: Actor): Promise<PresenceView> {
    const presence = await this.heartbeats.record(keyOf(actor), this.deps.clock.now());
    if (!presence) throw new NotFoundError('user.not_found', 'No such user.');
    return viewOf(presence, this.deps.clock.now(), this.deps.settings.offlineAfterMs);
  }

  /** Stores the heartbeats waiting for their batch now (before a sweep, and on shutdown). */
  flushHeartbeats(): Promise<void> {
    return this.heartbeats.flush();
  }

  private async storeHeartbeats(beats: readonly (AgentKey & { at: Date })[]): Promise<AgentPresence[]> {
    // Rows are written in key order, like the sweeper's, yet another node's transaction
    // may still take two of them the other way round: a deadlock is retried.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.deps.repository.recordHeartbeats(beats, this.deps.clock.now());
      } catch (error) {
        if (attempt >= 3 || !isDeadlock(error)) throw error;
      }
    }
  }

  /**
   * Stores how many sockets the agent has open on this node and derives
   * `websocket_connected` from every node's rows. A connection, and the end of one, proves
   * the agent alive when it was observed (`seenAt`, default now): both count as a heartbeat
   * of that moment, never of the later moment the write runs, and never move it back.
   */
  async syncConnections(key: AgentKey, openSockets: number, seenAt?: Date): Promise<void> {
    const now = this.deps.clock.now();
    const observed = seenAt && seenAt.getTime() < now.getTime() ? seenAt : now;
    const change = await this.deps.repository.transaction(async (repo) => {
      const before = await repo.lockPresence(key, now);
      await repo.saveConnections(key, this.deps.nodeId, openSockets, now);
      const heartbeat =
        before.lastHeartbeatAt && before.lastHeartbeatAt.getTime() > observed.getTime()
          ? before.lastHeartbeatAt
          : observed;
      const connected: PresenceState = {
        ...before,
        isConnected: await repo.hasConnections(key),
        lastHeartbeatAt: heartbeat,
      };
      const restore =
        connected.isConnected && !before.isConnected ? await this.restorable(repo, key, before) : undefined;
      const after = restore ? withStatus(connected, restore.status, restore.message, now, restore.pause) : connected;
      await repo.savePresence(key, after, now);
      if (restore) await repo.recordStatusChange(key, after, now);
      const reason = restore ? 'restored' : after.isConnected ? 'connected' : 'disconnected';
      return { ...key, before, after, reason: reason as PresenceChange['reason'], at: now };
    });
    if (change.reason === 'restored') {
      this.deps.logger.info({ ...key, status: change.after.status }, 'presence status restored on sign-in');
    }
    await this.publishIfVisible(change);
  }

  private async restorable(repo: PresenceRepository, key: AgentKey, state: PresenceState) {
    const { chosen, lastLoginAt } = await repo.findChosen(key);
    return statusToRestore(state, chosen, lastLoginAt);
  }

  /**
   * Keeps this node's rows fresh; answers how many it holds and their checksum. The
   * heartbeat of an agent with an open socket is rewritten once it is a quarter of the
   * timeout old, not on every tick: it never comes near the timeout, and 10,000 connected
   * agents cost a few thousand row writes a tick instead of 10,000.
   */
  async refreshNode(): Promise<NodeRows> {
    const now = this.deps.clock.now();
    const heartbeatBefore = new Date(now.getTime() - this.deps.settings.offlineAfterMs / 4);
    return this.deps.repository.refreshNode(this.deps.nodeId, now, heartbeatBefore);
  }

  /** The agents this node holds connection rows for (read when the checksum differs). */
  async listNodeConnections(): Promise<AgentKey[]> {
    return this.deps.repository.listNodeConnections(this.deps.nodeId);
  }

  /** On shutdown: this node's sockets are about to close. */
  async releaseNode(): Promise<void> {
    const keys = await this.deps.repository.deleteNodeConnections(this.deps.nodeId);
    const unique = new Map(keys.map((key) => [keyString(key), key]));
    for (const key of unique.values()) await this.syncConnections(key, 0);
  }

  /**
   * One sweep, on whichever node gets the lock: removes connection rows of nodes that
   * stopped refreshing them, then marks offline every agent with no socket and no
   * heartbeat for longer than the timeout. Each change is published once, after commit.
   */
  async sweepOnce(): Promise<SweepResult> {
    // Heartbeats this node received are stored first: a sweep never misses one.
    await this.heartbeats.flush();
    const now = this.deps.clock.now();
    const { offlineAfterMs, sweepIntervalMs } = this.deps.settings;
    const staleBefore = new Date(now.getTime() - staleConnectionAfterMs(offlineAfterMs, sweepIntervalMs));
    const run = await this.deps.repository.runAsLeader(SWEEPER_JOB, async (repo) => {
      // Presence rows first, then connection rows: the order every transaction takes them in.
      const stale = await repo.findStaleConnections(staleBefore);
      const candidates = await repo.lockSweepCandidates(new Date(now.getTime() - offlineAfterMs), stale);
      const staleConnections = await repo.deleteStaleConnections(stale, staleBefore);
      const connected = await repo.findConnected(candidates);
      const changes: PresenceChange[] = [];
      for (const { state: before, ...key } of candidates) {
        const current = { ...before, isConnected: connected.has(keyString(key)) };
        const after = timedOut(current, now, offlineAfterMs) ?? current;
        if (!hasChanged(before, after)) continue;
        await repo.savePresence(key, after, now);
        const reason = after.status !== before.status ? 'timeout' : 'disconnected';
        changes.push({ ...key, before, after, reason, at: now });
      }
      return { changes, staleConnections };
    });
    if (!run.isLeader) return { isLeader: false, changed: 0, staleConnections: 0 };
    const { changes, staleConnections } = run.result;
    if (changes.length > 0 || staleConnections > 0) {
      this.deps.logger.info(
        {
          changed: changes.length,
          wentOffline: changes.filter((c) => c.reason === 'timeout').length,
          staleConnections,
        },
        'presence swept',
      );
    }
    for (const change of changes) await this.publishIfVisible(change);
    return { isLeader: true, changed: changes.length, staleConnections };
  }

  private async viewOrThrow(key: AgentKey): Promise<PresenceView> {
    const presence = await this.deps.repository.findPresence(key.companyId, key.agentId);
    if (!presence) throw new NotFoundError('user.not_found', 'No such user.');
    return viewOf(presence, this.deps.clock.now(), this.deps.settings.offlineAfterMs);
  }

  /** After commit. A lost event is logged, not thrown: the change is stored and readable. */
  private async publishIfVisible(change: PresenceChange): Promise<void> {
    if (!isVisibleChange(change.before, change.after)) return;
    try {
      await this.deps.publisher.publish({
        name: PRESENCE_CHANGED_EVENT,
        companyId: change.companyId,
        // The agent, the managers and the consoles showing the board, which watch the presence
        // topic (ADR 30). Company-wide, each call's busy-and-back reached every console.
        audience: { userIds: [change.agentId], managers: true, topic: 'presence' },
        data: toPresenceChangedData(change),
      });
    } catch (error) {
      this.deps.logger.error(
        { err: error, companyId: change.companyId, agentId: change.agentId },
        'presence event not published',
      );
    }
  }
}

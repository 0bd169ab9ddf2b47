import { and, asc, eq, inArray, isNull, lt, ne, not, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { runAsLeader, type LeaderRun } from '../../db/leader-lock.js';
import { agentPresences, agentStatusChanges, pauseReasons, presenceConnections, users } from '../../db/schema/index.js';
import { newId } from '../../shared/ids.js';
import {
  UNSEEN,
  type AgentKey,
  type AgentPresence,
  type ChosenStatus,
  type PresenceFilter,
  type PresenceState,
} from './presence.js';

type PresenceRow = typeof agentPresences.$inferSelect;

function toState(row: PresenceRow | null): PresenceState {
  if (!row) return UNSEEN;
  return {
    status: row.status,
    message: row.message,
    lastHeartbeatAt: row.lastHeartbeatAt,
    isConnected: row.isConnected,
    statusChangedAt: row.statusChangedAt,
    pause: row.pauseReason === null ? null : { id: row.pauseReasonId, name: row.pauseReason },
  };
}

function isAgent(key: AgentKey): SQL {
  return and(eq(agentPresences.companyId, key.companyId), eq(agentPresences.userId, key.agentId)) ?? sql`false`;
}

export class PresenceRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: (repo: PresenceRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new PresenceRepository(tx as unknown as Db)));
  }

  /** Runs `fn` on one node at a time across the cluster; the others skip (db/leader-lock.ts). */
  runAsLeader<T>(jobName: string, fn: (repo: PresenceRepository) => Promise<T>): Promise<LeaderRun<T>> {
    return runAsLeader(this.db, jobName, (tx) => fn(new PresenceRepository(tx)));
  }

  // ── reads ─────────────────────────────────────────────────────────────────

  async findPresence(companyId: string, agentId: string): Promise<AgentPresence | undefined> {
    const [row] = await this.selectAgents().where(and(eq(users.companyId, companyId), eq(users.id, agentId)));
    return row && toAgentPresence(row);
  }

  /** The company's active users with their presence (offline when never seen), by name. */
  async listPresence(companyId: string, filter: PresenceFilter): Promise<AgentPresence[]> {
    const conditions = [eq(users.companyId, companyId), eq(users.isActive, true)];
    if (filter.role) conditions.push(eq(users.role, filter.role));
    if (filter.status === 'offline') {
      conditions.push(or(isNull(agentPresences.userId), eq(agentPresences.status, 'offline')) ?? sql`true`);
    } else if (filter.status) {
      conditions.push(eq(agentPresences.status, filter.status));
    }
    const available = and(eq(agentPresences.status, 'online'), eq(agentPresences.isConnected, true)) ?? sql`false`;
    if (filter.isAvailable === true) conditions.push(available);
    if (filter.isAvailable === false) {
      conditions.push(or(isNull(agentPresences.userId), not(available)) ?? sql`true`);
    }
    const rows = await this.selectAgents()
      .where(and(...conditions))
      .orderBy(asc(users.name), asc(users.id));
    return rows.map(toAgentPresence);
  }

  private selectAgents() {
    return this.db
      .select({
        id: users.id,
        companyId: users.companyId,
        name: users.name,
        role: users.role,
        presence: agentPresences,
      })
      .from(users)
      .leftJoin(
        agentPresences,
        and(eq(agentPresences.companyId, users.companyId), eq(agentPresences.userId, users.id)),
      );
  }

  // ── one agent (inside a transaction) ──────────────────────────────────────

  /** Creates the agent's row if missing and locks it: changes to one agent happen one at a time. */
  async lockPresence(key: AgentKey, now: Date): Promise<PresenceState> {
    await this.db
      .insert(agentPresences)
      .values({ companyId: key.companyId, userId: key.agentId, updatedAt: now })
      .onConflictDoNothing();
    const [row] = await this.db.select().from(agentPresences).where(isAgent(key)).for('update');
    if (!row) throw new Error('presence row vanished after insert');
    return toState(row);
  }

  async savePresence(key: AgentKey, state: PresenceState, now: Date): Promise<void> {
    await this.db
      .update(agentPresences)
      .set({
        status: state.status,
        message: state.message,
        lastHeartbeatAt: state.lastHeartbeatAt,
        isConnected: state.isConnected,
        statusChangedAt: state.statusChangedAt,
        pauseReasonId: state.pause?.id ?? null,
        pauseReason: state.pause?.name ?? null,
        updatedAt: now,
      })
      .where(isAgent(key));
  }

  /** Remembers a status the agent chose themselves (a fresh sign-in restores it). */
  async saveChosen(key: AgentKey, chosen: ChosenStatus): Promise<void> {
    await this.db
      .update(agentPresences)
      .set({
        chosenStatus: chosen.status,
        chosenMessage: chosen.message,
        chosenPauseReasonId: chosen.pause?.id ?? null,
        chosenPauseReason: chosen.pause?.name ?? null,
      })
      .where(isAgent(key));
  }

  /**
   * The agent's last chosen status and when they last signed in with their password. A
   * chosen pause reason deleted since is left out (the agent is restored `away` without it).
   */
  async findChosen(key: AgentKey): Promise<{ chosen: ChosenStatus | null; lastLoginAt: Date | null }> {
    const [row] = await this.db
      .select({
        status: agentPresences.chosenStatus,
        message: agentPresences.chosenMessage,
        pauseReasonId: agentPresences.chosenPauseReasonId,
        pauseReason: agentPresences.chosenPauseReason,
        liveReasonId: pauseReasons.id,
        lastLoginAt: users.lastLoginAt,
      })
      .from(agentPresences)
      .innerJoin(users, and(eq(users.companyId, agentPresences.companyId), eq(users.id, agentPresences.userId)))
      .leftJoin(
        pauseReasons,
        and(
          eq(pauseReasons.companyId, agentPresences.companyId),
          eq(pauseReasons.id, agentPresences.chosenPauseReasonId),
          isNull(pauseReasons.deletedAt),
        ),
      )
      .where(isAgent(key));
    if (!row?.status) return { chosen: null, lastLoginAt: row?.lastLoginAt ?? null };
    const pause =
      row.pauseReasonId && row.liveReasonId && row.pauseReason
        ? { id: row.pauseReasonId, name: row.pauseReason }
        : null;
    return { chosen: { status: row.status, message: row.message, pause }, lastLoginAt: row.lastLoginAt };
  }

  /** A status the agent chose or was put in, kept for reports (pause reasons included). */
  async recordStatusChange(key: AgentKey, state: PresenceState, now: Date): Promise<void> {
    await this.db.insert(agentStatusChanges).values({
      id: newId(),
      companyId: key.companyId,
      userId: key.agentId,
      status: state.status,
      pauseReasonId: state.pause?.id ?? null,
      pauseReason: state.pause?.name ?? null,
      at: now,
    });
  }

  async findPauseReason(companyId: string, pauseReasonId: string): Promise<{ id: string; name: string } | undefined> {
    const [row] = await this.db
      .select({ id: pauseReasons.id, name: pauseReasons.name })
      .from(pauseReasons)
      .where(
        and(eq(pauseReasons.companyId, companyId), eq(pauseReasons.id, pauseReasonId), isNull(pauseReasons.deletedAt)),
      );
    return row;
  }

  /**
   * A batch of heartbeats in one statement (presence.heartbeats.ts): each agent's row is
   * created if missing, and its last heartbeat becomes the later of the stored one and the
   * one received, so it never moves back. Heartbeats of users that do not exist are left
   * out instead of failing the batch. Rows are written in key order, the order the sweeper
   * locks them in. Answers the presences of the agents stored.
   */
  async recordHeartbeats(beats: readonly (AgentKey & { at: Date })[], now: Date): Promise<AgentPresence[]> {
    if (beats.length === 0) return [];
    const json = JSON.stringify(
      beats.map((beat) => ({ company_id: beat.companyId, user_id: beat.agentId, at: beat.at.toISOString() })),
    );
    await this.db.execute(sql`
      insert into ${agentPresences} (company_id, user_id, last_heartbeat_at, updated_at)
      select b.company_id, b.user_id, b.at, ${now.toISOString()}::timestamptz
      from json_to_recordset(${json}::json) as b(company_id uuid, user_id uuid, at timestamptz)
      join ${users} u on u.company_id = b.company_id and u.id = b.user_id
      order by b.company_id, b.user_id
      on conflict (company_id, user_id) do update
      set last_heartbeat_at = greatest(${agentPresences.lastHeartbeatAt}, excluded.last_heartbeat_at),
          updated_at = excluded.updated_at`);
    const wanted = new Set(beats.map(keyString));
    const rows = await this.selectAgents().where(
      inArray(
        users.id,
        beats.map((beat) => beat.agentId),
      ),
    );
    // Tenant check as well as the id: an agent is answered only under its own company.
    return rows.map(toAgentPresence).filter((presence) => wanted.has(keyString(presence)));
  }

  // ── connections ───────────────────────────────────────────────────────────

  /** Records how many sockets the agent has open on this node; none removes the row. */
  async saveConnections(key: AgentKey, nodeId: string, openSockets: number, now: Date): Promise<void> {
    const where = and(
      eq(presenceConnections.companyId, key.companyId),
      eq(presenceConnections.userId, key.agentId),
      eq(presenceConnections.nodeId, nodeId),
    );
    if (openSockets <= 0) {
      await this.db.delete(presenceConnections).where(where);
      return;
    }
    await this.db
      .insert(presenceConnections)
      .values({ companyId: key.companyId, userId: key.agentId, nodeId, openSockets, seenAt: now })
      .onConflictDoUpdate({
        target: [presenceConnections.companyId, presenceConnections.userId, presenceConnections.nodeId],
        set: { openSockets, seenAt: now },
      });
  }

  async hasConnections(key: AgentKey): Promise<boolean> {
    const [row] = await this.db
      .select({ nodeId: presenceConnections.nodeId })
      .from(presenceConnections)
      .where(and(eq(presenceConnections.companyId, key.companyId), eq(presenceConnections.userId, key.agentId)))
      .limit(1);
    return row !== undefined;
  }

  /**
   * This node is alive, and so is every agent with a socket open on it: refreshes its rows
   * and the heartbeats of those agents older than `heartbeatBefore` (across companies: the
   * rows are this node's own), in one statement. Answers how many rows it holds and their
   * `agentChecksum`, not the rows: the node compares them with what it knows and reads the
   * rows only when they differ (`listNodeConnections`).
   */
  async refreshNode(nodeId: string, now: Date, heartbeatBefore: Date): Promise<NodeRows> {
    const at = now.toISOString();
    const result = await this.db.execute(sql`
      with refreshed as (
        update ${presenceConnections} set seen_at = ${at}::timestamptz
        where node_id = ${nodeId}
        returning company_id, user_id
      ), beats as (
        update ${agentPresences} p set last_heartbeat_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
        from refreshed r
        where p.company_id = r.company_id and p.user_id = r.user_id
          and (p.last_heartbeat_at is null or p.last_heartbeat_at < ${heartbeatBefore.toISOString()}::timestamptz)
      )
      select count(*)::int as rows,
        coalesce(bit_xor(('x' || right(replace(user_id::text, '-', ''), 15))::bit(60)::bigint), 0)::text as checksum
      from refreshed`);
    const [row] = (result as { rows: { rows: number | string; checksum: string }[] }).rows;
    return { rows: Number(row?.rows ?? 0), checksum: BigInt(row?.checksum ?? '0') };
  }

  /** The agents this node holds connection rows for. */
  async listNodeConnections(nodeId: string): Promise<AgentKey[]> {
    return this.db
      .select({ companyId: presenceConnections.companyId, agentId: presenceConnections.userId })
      .from(presenceConnections)
      .where(eq(presenceConnections.nodeId, nodeId));
  }

  /** Agents with a connection row not refreshed since `seenBefore` (a dead node's), across companies. */
  async findStaleConnections(seenBefore: Date): Promise<AgentKey[]> {
    return this.db
      .selectDistinct({ companyId: presenceConnections.companyId, agentId: presenceConnections.userId })
      .from(presenceConnections)
      .where(lt(presenceConnections.seenAt, seenBefore));
  }

  /** Removes the stale rows of these agents (the sweeper, once it holds their presence rows). */
  async deleteStaleConnections(keys: readonly AgentKey[], seenBefore: Date): Promise<number> {
    if (keys.length === 0) return 0;
    const rows = await this.db
      .delete(presenceConnections)
      .where(
        and(
          lt(presenceConnections.seenAt, seenBefore),
          or(
            ...keys.map((key) =>
              and(eq(presenceConnections.companyId, key.companyId), eq(presenceConnections.userId, key.agentId)),
            ),
          ),
        ),
      )
      .returning({ nodeId: presenceConnections.nodeId });
    return rows.length;
  }

  /** Agents among `keys` with a connection row on any node. */
  async findConnected(keys: readonly AgentKey[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.db
      .selectDistinct({ companyId: presenceConnections.companyId, agentId: presenceConnections.userId })
      .from(presenceConnections)
      .where(
        and(
          inArray(presenceConnections.companyId, [...new Set(keys.map((key) => key.companyId))]),
          inArray(
            presenceConnections.userId,
            keys.map((key) => key.agentId),
          ),
        ),
      );
    return new Set(rows.map(keyString));
  }

  /** Removes every row of a node that is shutting down. */
  async deleteNodeConnections(nodeId: string): Promise<AgentKey[]> {
    return this.db
      .delete(presenceConnections)
      .where(eq(presenceConnections.nodeId, nodeId))
      .returning({ companyId: presenceConnections.companyId, agentId: presenceConnections.userId });
  }

  /**
   * Locks, across companies and in key order, the agents the sweeper may change: not
   * offline with no heartbeat since `heartbeatBefore`, or marked connected among
   * `disconnected`.
   */
  async lockSweepCandidates(
    heartbeatBefore: Date,
    disconnected: readonly AgentKey[],
  ): Promise<(AgentKey & { state: PresenceState })[]> {
    const isStale = and(
      ne(agentPresences.status, 'offline'),
      or(isNull(agentPresences.lastHeartbeatAt), lt(agentPresences.lastHeartbeatAt, heartbeatBefore)),
    );
    const wasDisconnected =
      disconnected.length > 0 ? and(eq(agentPresences.isConnected, true), or(...disconnected.map(isAgent))) : undefined;
    const rows = await this.db
      .select()
      .from(agentPresences)
      .where(wasDisconnected ? or(isStale, wasDisconnected) : isStale)
      .orderBy(asc(agentPresences.companyId), asc(agentPresences.userId))
      .for('update');
    return rows.map((row) => ({ companyId: row.companyId, agentId: row.userId, state: toState(row) }));
  }
}

/** How many connection rows a node holds, and the `agentChecksum` of their agents. */
export interface NodeRows {
  rows: number;
  checksum: bigint;
}

/**
 * A checksum of a set of agents that the database computes the same way (`refreshNode`):
 * the XOR of the last 60 bits of each agent id, so adding or removing one agent is one XOR.
 */
export function agentChecksum(agentId: string): bigint {
  return BigInt(`0x${agentId.replaceAll('-', '').slice(-15)}`);
}

export function keyString(key: AgentKey): string {
  return `${key.companyId}:${key.agentId}`;
}

function toAgentPresence(row: {
  id: string;
  companyId: string;
  name: string;
  role: AgentPresence['role'];
  presence: PresenceRow | null;
}): AgentPresence {
  return { companyId: row.companyId, agentId: row.id, agentName: row.name, role: row.role, ...toState(row.presence) };
}

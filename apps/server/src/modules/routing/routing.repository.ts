/**
 * Queues, members, skills, capacities and pause reasons: the admin side of routing.
 * Every query is filtered by company. The engine's own queries are in
 * routing.engine-repository.ts.
 */
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  itemDispositions,
  pauseReasons,
  queueEntries,
  queueMembers,
  queues,
  routingAgents,
  routingEntryPoints,
  routingSettings,
  userSkills,
  users,
} from '../../db/schema/index.js';
import type { EntryMenuJson } from '../../db/schema/routing.js';
import { toQueue, type QueueRow } from './routing.rows.js';
import type { Queue, RoutingChannel } from './routing.js';

export interface EntryPoint {
  channel: RoutingChannel;
  defaultQueueId: string | null;
  menu: EntryMenuJson | null;
  updatedAt: Date | null;
}

export interface RoutingSettings {
  timeZone: string;
  language: string;
}

/** The wrap-up an agent is in: the item whose end started it. */
export interface WrapUpRow {
  entryId: string;
  queueId: string;
  queueName: string;
  channel: RoutingChannel;
  conversationId: string | null;
  callId: string | null;
  endedAt: Date;
  until: Date;
  dispositionCode: string | null;
}

/** A queue's wrap-up is at most an hour (contracts), so the item that started one ended within it. */
const MAX_WRAP_UP_MS = 3_600_000;

export const DEFAULT_SETTINGS: RoutingSettings = { timeZone: 'America/Sao_Paulo', language: 'pt-BR' };

export class RoutingRepository {
  constructor(readonly db: Db) {}

  transaction<T>(fn: (repo: RoutingRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new RoutingRepository(tx as unknown as Db)));
  }

  // ── queues ────────────────────────────────────────────────────────────────

  async listQueues(companyId: string): Promise<Queue[]> {
    const rows = await this.db
      .select()
      .from(queues)
      .where(and(eq(queues.companyId, companyId), isNull(queues.deletedAt)))
      .orderBy(asc(queues.name));
    return this.withMembers(rows);
  }

  async findQueue(companyId: string, queueId: string): Promise<Queue | undefined> {
    const [row] = await this.db
      .select()
      .from(queues)
      .where(and(eq(queues.companyId, companyId), eq(queues.id, queueId), isNull(queues.deletedAt)));
    if (!row) return undefined;
    const [queue] = await this.withMembers([row]);
    return queue;
  }

  async insertQueue(row: typeof queues.$inferInsert): Promise<void> {
    await this.db.insert(queues).values(row);
  }

  /**
   * False when the change would leave a `ring_all` queue without `voice` (ringing every
   * phone needs calls): decided against the row as it is when the update takes its lock,
   * so two changes at once (one to the strategy, one to the channels) cannot combine into one.
   */
  async updateQueue(companyId: string, queueId: string, patch: Partial<typeof queues.$inferInsert>): Promise<boolean> {
    const isRingAll = patch.strategy === undefined ? undefined : patch.strategy === 'ring_all';
    const hasVoice = patch.channels === undefined ? undefined : patch.channels.includes('voice');
    const guard =
      isRingAll === true && hasVoice === undefined
        ? sql`${queues.channels} @> '["voice"]'::jsonb`
        : hasVoice === false && isRingAll === undefined
          ? sql`${queues.strategy} <> 'ring_all'`
          : undefined;
    const updated = await this.db
      .update(queues)
      .set(patch)
      .where(and(eq(queues.companyId, companyId), eq(queues.id, queueId), guard))
      .returning({ id: queues.id });
    return updated.length > 0;
  }

  /** Queues another queue overflows to, or an entry point sends to: they block a delete. */
  async queueReferences(companyId: string, queueId: string): Promise<number> {
    const result = await this.db.execute(sql`
      select (select count(*) from ${queues} q
               where q.company_id = ${companyId} and q.deleted_at is null and q.id <> ${queueId}
                 and q.overflow->>'queue_id' = ${queueId})
           + (select count(*) from ${routingEntryPoints} p
               where p.company_id = ${companyId}
                 and (p.default_queue_id = ${queueId} or p.menu::text like ${'%' + queueId + '%'})) as n`);
    return Number((result as { rows: { n: unknown }[] }).rows[0]?.n ?? 0);
  }

  async replaceMembers(
    companyId: string,
    queueId: string,
    members: readonly { userId: string; priority: number }[],
    now: Date,
  ): Promise<void> {
    await this.db
      .delete(queueMembers)
      .where(and(eq(queueMembers.companyId, companyId), eq(queueMembers.queueId, queueId)));
    if (members.length === 0) return;
    await this.db.insert(queueMembers).values(members.map((m) => ({ companyId, queueId, ...m })));
    await this.ensureAgents(
      companyId,
      members.map((m) => m.userId),
      now,
    );
  }

  /** The engine locks an agent's routing row: every member has one. */
  async ensureAgents(companyId: string, userIds: readonly string[], now: Date): Promise<void> {
    if (userIds.length === 0) return;
    await this.db
      .insert(routingAgents)
      .values(userIds.map((userId) => ({ userId, companyId, updatedAt: now })))
      .onConflictDoNothing();
  }

  async activeUsers(companyId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.isActive, true), inArray(users.id, [...userIds])));
    return new Set(rows.map((r) => r.id));
  }

  async existingQueueIds(companyId: string, queueIds: readonly string[]): Promise<Set<string>> {
    if (queueIds.length === 0) return new Set();
    const rows = await this.db
      .select({ id: queues.id })
      .from(queues)
      .where(and(eq(queues.companyId, companyId), isNull(queues.deletedAt), inArray(queues.id, [...queueIds])));
    return new Set(rows.map((r) => r.id));
  }

  private async withMembers(rows: QueueRow[]): Promise<Queue[]> {
    if (rows.length === 0) return [];
    const members = await this.db
      .select({
        queueId: queueMembers.queueId,
        userId: queueMembers.userId,
        priority: queueMembers.priority,
        name: users.name,
      })
      .from(queueMembers)
      .innerJoin(users, eq(users.id, queueMembers.userId))
      .where(
        inArray(
          queueMembers.queueId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(queueMembers.priority), asc(users.name));
    return rows.map((row) =>
      toQueue(
        row,
        members.filter((m) => m.queueId === row.id),
      ),
    );
  }

  // ── agents ────────────────────────────────────────────────────────────────

  async findUser(companyId: string, userId: string): Promise<{ id: string } | undefined> {
    const [row] = await this.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.id, userId)));
    return row;
  }

  async findProfile(
    companyId: string,
    userId: string,
  ): Promise<{ capacity: { whatsapp: number; webchat: number }; skills: { name: string; level: number }[] }> {
    const [agent] = await this.db
      .select({ whatsapp: routingAgents.whatsappCapacity, webchat: routingAgents.webchatCapacity })
      .from(routingAgents)
      .where(and(eq(routingAgents.companyId, companyId), eq(routingAgents.userId, userId)));
    const skills = await this.db
      .select({ name: userSkills.name, level: userSkills.level })
      .from(userSkills)
      .where(and(eq(userSkills.companyId, companyId), eq(userSkills.userId, userId)))
      .orderBy(asc(userSkills.name));
    return { capacity: agent ?? { whatsapp: 3, webchat: 3 }, skills };
  }

  async replaceSkills(
    companyId: string,
    userId: string,
    skills: readonly { name: string; level: number }[],
  ): Promise<void> {
    await this.db.delete(userSkills).where(and(eq(userSkills.companyId, companyId), eq(userSkills.userId, userId)));
    if (skills.length > 0) await this.db.insert(userSkills).values(skills.map((s) => ({ companyId, userId, ...s })));
  }

  async setCapacity(
    companyId: string,
    userId: string,
    capacity: { whatsapp?: number | undefined; webchat?: number | undefined },
    now: Date,
  ): Promise<void> {
    await this.ensureAgents(companyId, [userId], now);
    await this.db
      .update(routingAgents)
      .set({
        ...(capacity.whatsapp !== undefined ? { whatsappCapacity: capacity.whatsapp } : {}),
        ...(capacity.webchat !== undefined ? { webchatCapacity: capacity.webchat } : {}),
        updatedAt: now,
      })
      .where(and(eq(routingAgents.companyId, companyId), eq(routingAgents.userId, userId)));
  }

  // ── pause reasons ─────────────────────────────────────────────────────────

  async listPauseReasons(companyId: string): Promise<{ id: string; name: string; createdAt: Date }[]> {
    return this.db
      .select({ id: pauseReasons.id, name: pauseReasons.name, createdAt: pauseReasons.createdAt })
      .from(pauseReasons)
      .where(and(eq(pauseReasons.companyId, companyId), isNull(pauseReasons.deletedAt)))
      .orderBy(asc(pauseReasons.name));
  }

  async insertPauseReason(row: typeof pauseReasons.$inferInsert): Promise<void> {
    await this.db.insert(pauseReasons).values(row);
  }

  /** Reports keep naming a deleted reason, so it is marked, not removed. */
  async deletePauseReason(companyId: string, id: string, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(pauseReasons)
      .set({ deletedAt: now })
      .where(and(eq(pauseReasons.companyId, companyId), eq(pauseReasons.id, id), isNull(pauseReasons.deletedAt)))
      .returning({ id: pauseReasons.id });
    return rows.length > 0;
  }

  // ── entry points and settings ─────────────────────────────────────────────

  async findEntryPoint(companyId: string, channel: RoutingChannel): Promise<EntryPoint | undefined> {
    const [row] = await this.db
      .select()
      .from(routingEntryPoints)
      .where(
        and(
          eq(routingEntryPoints.companyId, companyId),
          eq(routingEntryPoints.channel, channel),
          eq(routingEntryPoints.address, ''),
        ),
      );
    return (
      row && { channel: row.channel, defaultQueueId: row.defaultQueueId, menu: row.menu, updatedAt: row.updatedAt }
    );
  }

  async saveEntryPoint(
    companyId: string,
    channel: RoutingChannel,
    value: { defaultQueueId: string | null; menu: EntryMenuJson | null },
    now: Date,
  ): Promise<void> {
    await this.db
      .insert(routingEntryPoints)
      .values({ companyId, channel, address: '', ...value, updatedAt: now })
      .onConflictDoUpdate({
        target: [routingEntryPoints.companyId, routingEntryPoints.channel, routingEntryPoints.address],
        set: { ...value, updatedAt: now },
      });
  }

  async findSettings(companyId: string): Promise<RoutingSettings> {
    const [row] = await this.db
      .select({ timeZone: routingSettings.timeZone, language: routingSettings.language })
      .from(routingSettings)
      .where(eq(routingSettings.companyId, companyId));
    return row ?? DEFAULT_SETTINGS;
  }

  async saveSettings(companyId: string, settings: RoutingSettings, now: Date): Promise<void> {
    await this.db
      .insert(routingSettings)
      .values({ companyId, ...settings, updatedAt: now })
      .onConflictDoUpdate({ target: routingSettings.companyId, set: { ...settings, updatedAt: now } });
  }

  /**
   * The agent's wrap-up still running at `now`, with the item that started it: the last
   * entry they had that ended (by end time, then id). Read through the queues' end-time
   * index, over the last hour only.
   */
  async findWrapUp(companyId: string, agentId: string, now: Date): Promise<WrapUpRow | undefined> {
    const [agent] = await this.db
      .select({ until: routingAgents.wrapUpUntil })
      .from(routingAgents)
      .where(and(eq(routingAgents.companyId, companyId), eq(routingAgents.userId, agentId)));
    if (!agent?.until || agent.until.getTime() <= now.getTime()) return undefined;
    const [row] = await this.db
      .select({
        entryId: queueEntries.id,
        queueId: queueEntries.queueId,
        queueName: queues.name,
        channel: queueEntries.channel,
        conversationId: queueEntries.conversationId,
        callId: queueEntries.callId,
        endedAt: queueEntries.endedAt,
      })
      .from(queueEntries)
      .innerJoin(queues, and(eq(queues.id, queueEntries.queueId), eq(queues.companyId, companyId)))
      .where(
        and(
          eq(queueEntries.companyId, companyId),
          eq(queueEntries.assignedTo, agentId),
          isNotNull(queueEntries.endedAt),
          gt(queueEntries.endedAt, new Date(agent.until.getTime() - MAX_WRAP_UP_MS)),
          lte(queueEntries.endedAt, agent.until),
        ),
      )
      .orderBy(desc(queueEntries.endedAt), desc(queueEntries.id))
      .limit(1);
    if (!row?.endedAt) return undefined;
    const item = row.conversationId
      ? eq(itemDispositions.conversationId, row.conversationId)
      : row.callId
        ? eq(itemDispositions.callId, row.callId)
        : undefined;
    if (!item) return undefined;
    const [disposition] = await this.db
      .select({ code: itemDispositions.code })
      .from(itemDispositions)
      .where(and(eq(itemDispositions.companyId, companyId), item));
    return {
      ...row,
      endedAt: row.endedAt,
      until: agent.until,
      dispositionCode: disposition?.code ?? null,
    };
  }
}

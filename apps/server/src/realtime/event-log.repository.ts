import { and, asc, desc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { advisoryLockKey } from '../db/leader-lock.js';
import { eventLog } from '../db/schema/index.js';
import type { Actor } from '../shared/actor.js';
import type { DomainEvent, PublishedEvent } from '../shared/events.js';

type EventRow = typeof eventLog.$inferSelect;

function toPublished(row: EventRow): PublishedEvent {
  return {
    seq: row.seq,
    at: row.createdAt,
    name: row.name,
    companyId: row.companyId,
    audience: {
      userIds: row.userIds,
      managers: row.toManagers,
      company: row.toCompany,
      ...(row.callId ? { callId: row.callId } : {}),
    },
    data: row.data as Record<string, unknown>,
  };
}

function toRow(event: DomainEvent, at: Date): typeof eventLog.$inferInsert {
  return {
    companyId: event.companyId,
    name: event.name,
    userIds: [...(event.audience.userIds ?? [])],
    toManagers: event.audience.managers ?? false,
    toCompany: event.audience.company ?? false,
    callId: event.audience.callId ?? null,
    data: event.data,
    createdAt: at,
  };
}

/**
 * Appends take this transaction-level advisory lock before the insert draws its seq, so seqs
 * are handed out in commit order across every node sharing the database: once seq n is
 * visible, every lower seq is visible too or never will be. Replay after a seq and the
 * cross-node delivery (sequenced-delivery.ts) both rely on it.
 */
const APPEND_LOCK_KEY = advisoryLockKey('event-log-append').toString();

export class EventLogRepository {
  constructor(private readonly db: Db) {}

  async append(event: DomainEvent, at: Date): Promise<PublishedEvent> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint)`);
      return this.insert(tx, event, at);
    });
  }

  /**
   * Appends several events in one transaction and one INSERT (group commit: a busy node's
   * events wait for one round trip, not one each). Their seqs follow the order given: one
   * statement draws them row by row.
   */
  async appendMany(events: readonly { event: DomainEvent; at: Date }[]): Promise<PublishedEvent[]> {
    if (events.length === 0) return [];
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint)`);
      const rows = await tx
        .insert(eventLog)
        .values(events.map(({ event, at }) => toRow(event, at)))
        .returning();
      if (rows.length !== events.length) throw new Error('event log insert returned fewer rows');
      return rows.sort((a, b) => a.seq - b.seq).map(toPublished);
    });
  }

  private async insert(db: Db, event: DomainEvent, at: Date): Promise<PublishedEvent> {
    const [row] = await db.insert(eventLog).values(toRow(event, at)).returning();
    if (!row) throw new Error('event log insert returned nothing');
    return toPublished(row);
  }

  /** Events after `afterSeq` that the actor may see, oldest first. */
  async listVisibleAfter(actor: Actor, afterSeq: number, limit: number): Promise<PublishedEvent[]> {
    const isManager = actor.role === 'admin' || actor.role === 'supervisor';
    const visible = or(
      eq(eventLog.toCompany, true),
      sql`${actor.userId}::uuid = any(${eventLog.userIds})`,
      isManager ? eq(eventLog.toManagers, true) : sql`false`,
    );
    const rows = await this.db
      .select()
      .from(eventLog)
      .where(and(eq(eventLog.companyId, actor.companyId), gt(eventLog.seq, afterSeq), visible))
      .orderBy(asc(eventLog.seq))
      .limit(limit);
    return rows.map(toPublished);
  }

  /**
   * Every company's events after `afterSeq`, oldest first: for the node's own delivery to its
   * sockets (sequenced-delivery.ts), which sends each event to its company's rooms only.
   */
  async listAfter(afterSeq: number, limit: number): Promise<PublishedEvent[]> {
    const rows = await this.db
      .select()
      .from(eventLog)
      .where(gt(eventLog.seq, afterSeq))
      .orderBy(asc(eventLog.seq))
      .limit(limit);
    return rows.map(toPublished);
  }

  async latestSeq(): Promise<number> {
    const [row] = await this.db.select({ seq: eventLog.seq }).from(eventLog).orderBy(desc(eventLog.seq)).limit(1);
    return row?.seq ?? 0;
  }

  /** The oldest seq still kept, or undefined when the log is empty (retention prunes from the start). */
  async oldestSeq(): Promise<number | undefined> {
    const [row] = await this.db.select({ seq: eventLog.seq }).from(eventLog).orderBy(asc(eventLog.seq)).limit(1);
    return row?.seq;
  }

  async deleteOlderThan(before: Date): Promise<void> {
    await this.db.delete(eventLog).where(lt(eventLog.createdAt, before));
  }

  /**
   * Up to `limit` of the oldest events created before `before`, deleted; returns how many.
   * `db` is the leader's transaction (event-log-retention.ts). Oldest first by seq, so the
   * primary key walks from the start and stops at the first `limit` matches.
   */
  async deleteBatchOlderThan(db: Db, before: Date, limit: number): Promise<number> {
    const oldest = db
      .select({ seq: eventLog.seq })
      .from(eventLog)
      .where(lt(eventLog.createdAt, before))
      .orderBy(asc(eventLog.seq))
      .limit(limit);
    const deleted = await db.delete(eventLog).where(inArray(eventLog.seq, oldest)).returning({ seq: eventLog.seq });
    return deleted.length;
  }
}

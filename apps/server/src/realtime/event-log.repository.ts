import { and, asc, desc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { advisoryLockKey } from '../db/leader-lock.js';
import { eventLog } from '../db/schema/index.js';
import type { Actor } from '../shared/actor.js';
import type { DomainEvent, PublishedEvent, WatchTopic } from '../shared/events.js';

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
      ...(row.topic ? { topic: row.topic as WatchTopic } : {}),
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
    topic: event.audience.topic ?? null,
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

/**
 * One statement, run on its own (autocommit): the lock, the rows and the commit. The lock is
 * taken by the CTE before any row is formed, so before `nextval` draws a seq (the defaults
 * are computed for each joined row); the statement's own commit releases it. No client
 * round trip happens while it is held: a node whose event loop is late (or whose pool is
 * busy) holds up the other nodes' appends for one statement's run in PostgreSQL, not for
 * its own delay between BEGIN, the lock, the INSERT and COMMIT. Rows are inserted in
 * `ord` order, so seqs follow the order given. The rows travel as one jsonb parameter
 * (the same on node-postgres and PGlite).
 */
function appendStatement(events: readonly { event: DomainEvent; at: Date }[]) {
  const rows = events.map(({ event, at }, ord) => ({
    ord,
    company_id: event.companyId,
    name: event.name,
    user_ids: [...(event.audience.userIds ?? [])],
    to_managers: event.audience.managers ?? false,
    to_company: event.audience.company ?? false,
    call_id: event.audience.callId ?? null,
    topic: event.audience.topic ?? null,
    data: event.data,
    created_at: at.toISOString(),
  }));
  return sql`
    with append_lock as materialized (select pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint))
    insert into event_log (company_id, name, user_ids, to_managers, to_company, call_id, topic, data, created_at)
    select r.company_id, r.name, r.user_ids, r.to_managers, r.to_company, r.call_id, r.topic, r.data, r.created_at
      from append_lock,
           jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
             as r(ord int, company_id uuid, name varchar, user_ids uuid[], to_managers boolean,
                  to_company boolean, call_id uuid, topic varchar, data jsonb, created_at timestamptz)
     order by r.ord
    returning seq`;
}

export class EventLogRepository {
  constructor(private readonly db: Db) {}

  async append(event: DomainEvent, at: Date): Promise<PublishedEvent> {
    const [stored] = await this.appendMany([{ event, at }]);
    return stored!;
  }

  /**
   * Appends several events in one statement (group commit: a busy node's events wait for
   * one round trip, not one each). Their seqs follow the order given. Inside a transaction
   * (`within`) the lock is held until that transaction ends: only as its last statement.
   */
  async appendMany(events: readonly { event: DomainEvent; at: Date }[], within?: object): Promise<PublishedEvent[]> {
    if (events.length === 0) return [];
    const db = (within as Db | undefined) ?? this.db;
    // node-postgres and PGlite both answer `{ rows }`; the Db type spans both, so it is untyped.
    const result = (await db.execute(appendStatement(events))) as { rows: { seq: number | string }[] };
    const seqs = result.rows.map((row) => Number(row.seq));
    if (seqs.length !== events.length) throw new Error('event log insert returned fewer rows');
    seqs.sort((a, b) => a - b);
    // As a read would return it: `data` through JSON, as jsonb stores it (a Date becomes a string).
    return events.map(({ event, at }, i) =>
      toPublished({ ...toRow(event, at), data: JSON.parse(JSON.stringify(event.data)), seq: seqs[i]! } as EventRow),
    );
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

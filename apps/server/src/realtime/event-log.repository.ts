import { and, asc, desc, eq, gt, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
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

export class EventLogRepository {
  constructor(private readonly db: Db) {}

  async append(event: DomainEvent, at: Date): Promise<PublishedEvent> {
    const [row] = await this.db
      .insert(eventLog)
      .values({
        companyId: event.companyId,
        name: event.name,
        userIds: [...(event.audience.userIds ?? [])],
        toManagers: event.audience.managers ?? false,
        toCompany: event.audience.company ?? false,
        callId: event.audience.callId ?? null,
        data: event.data,
        createdAt: at,
      })
      .returning();
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

  async latestSeq(): Promise<number> {
    const [row] = await this.db.select({ seq: eventLog.seq }).from(eventLog).orderBy(desc(eventLog.seq)).limit(1);
    return row?.seq ?? 0;
  }

  async deleteOlderThan(before: Date): Promise<void> {
    await this.db.delete(eventLog).where(lt(eventLog.createdAt, before));
  }
}

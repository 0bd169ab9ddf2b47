import { and, asc, desc, eq, gte, ilike, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { callNotes, callRecordings, calls, callTransitions, users } from '../../db/schema/index.js';
import type { KeysetCursor } from '../../shared/pagination.js';
import { CallSessionsRepository } from './call-sessions.repository.js';
import { ACTIVE_STATUSES, type Call, type CallDirection, type CallNote, type CallStatus } from './calls.js';

type CallRow = typeof calls.$inferSelect;
export type RecordingRow = typeof callRecordings.$inferSelect;

export interface CallFilter {
  agentId?: string | undefined;
  status?: CallStatus | undefined;
  direction?: CallDirection | undefined;
  number?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface TransitionRecord {
  fromStatus: CallStatus | null;
  toStatus: CallStatus;
  source: string;
  occurredAt: Date;
  details?: Record<string, unknown> | undefined;
}

export interface CallStatisticsRows {
  byStatus: { status: CallStatus; count: number }[];
  totals: {
    answered: number;
    total: number;
    talkSeconds: number;
    averageTalkSeconds: number | null;
    averageRingSeconds: number | null;
  };
  byAgent: { agentId: string | null; agentName: string | null; total: number; answered: number; talkSeconds: number }[];
  byHour: { hour: string; total: number; answered: number }[];
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toCall(row: CallRow, hasRecording: boolean): Call {
  return { ...row, endedBy: row.endedBy as Call['endedBy'], hasRecording };
}

export class CallsRepository {
  constructor(private readonly db: Db) {}

  /** Monitor sessions and consults, on the same database handle (and transaction). */
  sessions(): CallSessionsRepository {
    return new CallSessionsRepository(this.db);
  }

  /** The same queries inside another module's transaction (`scope`: its handle). */
  within(scope: object): CallsRepository {
    return new CallsRepository(scope as Db);
  }

  transaction<T>(fn: (repo: CallsRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new CallsRepository(tx as unknown as Db)));
  }

  /** The new call as stored (it has no recording yet), and its first transition. */
  async insertCall(row: typeof calls.$inferInsert, transition: TransitionRecord): Promise<Call> {
    const [inserted] = await this.db.insert(calls).values(row).returning();
    await this.insertTransition(row.companyId, row.id, transition);
    return toCall(inserted!, false);
  }

  async findCall(companyId: string, callId: string): Promise<Call | undefined> {
    const [row] = await this.selectCalls()
      .where(and(eq(calls.companyId, companyId), eq(calls.id, callId)))
      .limit(1);
    return row && toCall(row.call, row.recordingId !== null);
  }

  /** Channel ids are unique at the PBX, so this lookup is the one not scoped by company. */
  async findCallByChannel(channelId: string): Promise<Call | undefined> {
    const [row] = await this.selectCalls()
      .where(or(eq(calls.agentChannelId, channelId), eq(calls.customerChannelId, channelId)))
      .limit(1);
    return row && toCall(row.call, row.recordingId !== null);
  }

  async findCallForUpdate(companyId: string, callId: string): Promise<Call | undefined> {
    const [row] = await this.db
      .select()
      .from(calls)
      .where(and(eq(calls.companyId, companyId), eq(calls.id, callId)))
      .for('update');
    return row && toCall(row, false);
  }

  async updateCall(
    companyId: string,
    callId: string,
    patch: Partial<typeof calls.$inferInsert>,
    transition?: TransitionRecord,
  ): Promise<void> {
    await this.db
      .update(calls)
      .set(patch)
      .where(and(eq(calls.companyId, companyId), eq(calls.id, callId)));
    if (transition) await this.insertTransition(companyId, callId, transition);
  }

  async listTransitions(companyId: string, callId: string) {
    return this.db
      .select()
      .from(callTransitions)
      .where(and(eq(callTransitions.companyId, companyId), eq(callTransitions.callId, callId)))
      .orderBy(asc(callTransitions.occurredAt), asc(callTransitions.recordedAt));
  }

  async listHistory(
    companyId: string,
    filter: CallFilter,
    cursor: KeysetCursor | undefined,
    limit: number,
  ): Promise<Call[]> {
    const conditions: SQL[] = [eq(calls.companyId, companyId), ...this.filterConditions(filter)];
    if (cursor) {
      const before = or(
        lt(calls.createdAt, cursor.createdAt),
        and(eq(calls.createdAt, cursor.createdAt), lt(calls.id, cursor.id)),
      );
      if (before) conditions.push(before);
    }
    const rows = await this.selectCalls()
      .where(and(...conditions))
      .orderBy(desc(calls.createdAt), desc(calls.id))
      .limit(limit + 1);
    return rows.map((r) => toCall(r.call, r.recordingId !== null));
  }

  async listActive(companyId: string, agentId: string | undefined): Promise<Call[]> {
    const conditions = [eq(calls.companyId, companyId), inArray(calls.status, [...ACTIVE_STATUSES])];
    if (agentId) conditions.push(eq(calls.agentId, agentId));
    const rows = await this.selectCalls()
      .where(and(...conditions))
      .orderBy(asc(calls.createdAt));
    return rows.map((r) => toCall(r.call, r.recordingId !== null));
  }

  async listActiveEverywhere(): Promise<Call[]> {
    const rows = await this.selectCalls().where(inArray(calls.status, [...ACTIVE_STATUSES]));
    return rows.map((r) => toCall(r.call, r.recordingId !== null));
  }

  async statistics(companyId: string, filter: CallFilter, timezone: string): Promise<CallStatisticsRows> {
    const where = and(eq(calls.companyId, companyId), ...this.filterConditions(filter));
    const answered = sql<number>`count(*) filter (where ${calls.answeredAt} is not null)::int`;
    const talk = sql<number>`coalesce(sum(${calls.billableSeconds}), 0)::int`;
    const byStatus = await this.db
      .select({ status: calls.status, count: sql<number>`count(*)::int` })
      .from(calls)
      .where(where)
      .groupBy(calls.status);
    const [totals] = await this.db
      .select({
        total: sql<number>`count(*)::int`,
        answered,
        talkSeconds: talk,
        averageTalkSeconds: sql<
          number | null
        >`avg(${calls.billableSeconds}) filter (where ${calls.answeredAt} is not null)::float`,
        averageRingSeconds: sql<
          number | null
        >`avg(extract(epoch from (${calls.answeredAt} - ${calls.createdAt}))) filter (where ${calls.answeredAt} is not null)::float`,
      })
      .from(calls)
      .where(where);
    const byAgent = await this.db
      .select({
        agentId: calls.agentId,
        agentName: users.name,
        total: sql<number>`count(*)::int`,
        answered,
        talkSeconds: talk,
      })
      .from(calls)
      .leftJoin(users, and(eq(users.id, calls.agentId), eq(users.companyId, calls.companyId)))
      .where(where)
      .groupBy(calls.agentId, users.name)
      .orderBy(desc(sql`count(*)`));
    const hour = sql<string>`to_char(date_trunc('hour', ${calls.createdAt} at time zone ${timezone}), 'YYYY-MM-DD"T"HH24:00')`;
    const byHour = await this.db
      .select({ hour, total: sql<number>`count(*)::int`, answered })
      .from(calls)
      .where(where)
      // By position: the bound time zone makes each repetition of the expression a new one.
      .groupBy(sql`1`)
      .orderBy(sql`1`);
    return {
      byStatus,
      totals: totals ?? { total: 0, answered: 0, talkSeconds: 0, averageTalkSeconds: null, averageRingSeconds: null },
      byAgent,
      byHour,
    };
  }

  async insertNote(row: typeof callNotes.$inferInsert): Promise<void> {
    await this.db.insert(callNotes).values(row);
  }

  async listNotes(companyId: string, callId: string): Promise<CallNote[]> {
    const rows = await this.db
      .select({ note: callNotes, authorName: users.name })
      .from(callNotes)
      .innerJoin(users, eq(users.id, callNotes.authorId))
      .where(and(eq(callNotes.companyId, companyId), eq(callNotes.callId, callId)))
      .orderBy(asc(callNotes.createdAt), asc(callNotes.id));
    return rows.map(({ note, authorName }) => ({
      id: note.id,
      callId: note.callId,
      authorId: note.authorId,
      authorName,
      body: note.body,
      createdAt: note.createdAt,
    }));
  }

  async insertRecording(row: typeof callRecordings.$inferInsert): Promise<void> {
    await this.db.insert(callRecordings).values(row).onConflictDoNothing();
  }

  async findRecordingOfCall(companyId: string, callId: string): Promise<RecordingRow | undefined> {
    const [row] = await this.db
      .select()
      .from(callRecordings)
      .where(and(eq(callRecordings.companyId, companyId), eq(callRecordings.callId, callId)));
    return row;
  }

  async findRecordingByName(asteriskName: string): Promise<RecordingRow | undefined> {
    const [row] = await this.db.select().from(callRecordings).where(eq(callRecordings.asteriskName, asteriskName));
    return row;
  }

  async updateRecording(companyId: string, recordingId: string, patch: Partial<typeof callRecordings.$inferInsert>) {
    await this.db
      .update(callRecordings)
      .set(patch)
      .where(and(eq(callRecordings.companyId, companyId), eq(callRecordings.id, recordingId)));
  }

  private async insertTransition(companyId: string, callId: string, t: TransitionRecord): Promise<void> {
    await this.db.insert(callTransitions).values({
      id: crypto.randomUUID(),
      companyId,
      callId,
      fromStatus: t.fromStatus,
      toStatus: t.toStatus,
      source: t.source,
      occurredAt: t.occurredAt,
      details: t.details ?? null,
    });
  }

  private selectCalls() {
    return (
      this.db
        .select({ call: calls, recordingId: callRecordings.id })
        .from(calls)
        // A recording deleted by the retention policy no longer counts.
        .leftJoin(callRecordings, and(eq(callRecordings.callId, calls.id), ne(callRecordings.status, 'deleted')))
    );
  }

  private filterConditions(filter: CallFilter): SQL[] {
    const conditions: SQL[] = [];
    if (filter.agentId) conditions.push(eq(calls.agentId, filter.agentId));
    if (filter.status) conditions.push(eq(calls.status, filter.status));
    if (filter.direction) conditions.push(eq(calls.direction, filter.direction));
    if (filter.from) conditions.push(gte(calls.createdAt, filter.from));
    if (filter.to) conditions.push(lt(calls.createdAt, filter.to));
    if (filter.number) {
      const pattern = `%${escapeLike(filter.number)}%`;
      const match = or(ilike(calls.fromNumber, pattern), ilike(calls.toNumber, pattern));
      if (match) conditions.push(match);
    }
    return conditions;
  }
}

/** The RD Station connector's settings, and the contact an event's phone number names. */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  calls,
  contacts,
  eventLog,
  itemDispositions,
  queueEntries,
  queues,
  rdstationIntegrations,
} from '../../db/schema/index.js';
import type { RdConversionSetting, RdMappableField, RdSettings } from './rdstation.js';

type Row = typeof rdstationIntegrations.$inferSelect;

function toSettings(row: Row): RdSettings {
  return {
    id: row.id,
    companyId: row.companyId,
    apiToken: row.apiToken,
    isActive: row.isActive,
    conversions: row.conversions as RdConversionSetting[],
    fieldMapping: row.fieldMapping as Partial<Record<RdMappableField, string>>,
    updatedAt: row.updatedAt,
  };
}

export class RdStationRepository {
  constructor(private readonly db: Db) {}

  async find(companyId: string, db: Db = this.db): Promise<RdSettings | undefined> {
    const [row] = await db.select().from(rdstationIntegrations).where(eq(rdstationIntegrations.companyId, companyId));
    return row ? toSettings(row) : undefined;
  }

  async findById(companyId: string, id: string): Promise<RdSettings | undefined> {
    const [row] = await this.db
      .select()
      .from(rdstationIntegrations)
      .where(and(eq(rdstationIntegrations.companyId, companyId), eq(rdstationIntegrations.id, id)));
    return row ? toSettings(row) : undefined;
  }

  /** One row per company: inserted the first time, changed after (the token kept when not sent). */
  async upsert(row: typeof rdstationIntegrations.$inferInsert): Promise<RdSettings> {
    const [saved] = await this.db
      .insert(rdstationIntegrations)
      .values(row)
      .onConflictDoUpdate({
        target: rdstationIntegrations.companyId,
        set: {
          apiToken: row.apiToken,
          isActive: row.isActive,
          conversions: row.conversions,
          fieldMapping: row.fieldMapping,
          updatedAt: row.updatedAt,
        },
      })
      .returning();
    if (!saved) throw new Error('rdstation settings not saved');
    return toSettings(saved);
  }

  async contactByPhone(
    db: Db,
    companyId: string,
    phone: string,
  ): Promise<{ name: string | null; email: string | null; phone: string | null } | undefined> {
    const [row] = await db
      .select({ name: contacts.name, email: contacts.email, phone: contacts.phone })
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.phone, phone)));
    return row;
  }

  async callNumbers(
    db: Db,
    companyId: string,
    callId: string,
  ): Promise<{ direction: string; fromNumber: string; toNumber: string } | undefined> {
    const [row] = await db
      .select({ direction: calls.direction, fromNumber: calls.fromNumber, toNumber: calls.toNumber })
      .from(calls)
      .where(and(eq(calls.companyId, companyId), eq(calls.id, callId)));
    return row;
  }

  /** The label of the disposition given to a conversation or call (the last one given wins). */
  async dispositionOf(
    companyId: string,
    item: { kind: 'conversation' | 'call'; id: string },
    db: Db = this.db,
  ): Promise<string | null> {
    const [row] = await db
      .select({ label: itemDispositions.label })
      .from(itemDispositions)
      .where(
        and(
          eq(itemDispositions.companyId, companyId),
          item.kind === 'call' ? eq(itemDispositions.callId, item.id) : eq(itemDispositions.conversationId, item.id),
        ),
      )
      .orderBy(desc(itemDispositions.setAt), desc(itemDispositions.id))
      .limit(1);
    return row?.label ?? null;
  }

  /** The wrap-up of the queue that last routed the call (0 when no queue did). */
  async wrapUpSecondsOfCall(db: Db, companyId: string, callId: string): Promise<number> {
    const [row] = await db
      .select({ seconds: queues.wrapUpSeconds })
      .from(queueEntries)
      .innerJoin(queues, eq(queues.id, queueEntries.queueId))
      .where(and(eq(queueEntries.companyId, companyId), eq(queueEntries.callId, callId)))
      .orderBy(desc(queueEntries.enqueuedAt), desc(queueEntries.id))
      .limit(1);
    return row?.seconds ?? 0;
  }

  /** The data of a logged event (undefined once pruned or erased). */
  async eventData(companyId: string, seq: number): Promise<Record<string, unknown> | undefined> {
    const [row] = await this.db
      .select({ data: eventLog.data })
      .from(eventLog)
      .where(and(eq(eventLog.companyId, companyId), eq(eventLog.seq, seq)));
    return row?.data as Record<string, unknown> | undefined;
  }
}

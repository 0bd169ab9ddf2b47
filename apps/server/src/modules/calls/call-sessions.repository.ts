/**
 * Monitor sessions and consults. State changes are compare-and-set updates (`where status
 * in …`): when the API and a PBX event race, PostgreSQL decides which one moved it.
 */
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { callConsults, callMonitors } from '../../db/schema/index.js';
import { auditLog, type AuditRecordInput } from '../audit/index.js';
import type { CallConsult, CallMonitor, ConsultStatus, MonitorStatus } from './call-sessions.js';

type MonitorRow = typeof callMonitors.$inferSelect;
type ConsultRow = typeof callConsults.$inferSelect;

const toMonitor = (row: MonitorRow): CallMonitor => ({
  ...row,
  mode: row.mode as CallMonitor['mode'],
  status: row.status as MonitorStatus,
  modes: row.modes as CallMonitor['modes'],
});

const toConsult = (row: ConsultRow): CallConsult => ({
  ...row,
  targetKind: row.targetKind as CallConsult['targetKind'],
  status: row.status as ConsultStatus,
});

export class CallSessionsRepository {
  constructor(private readonly db: Db) {}

  /** With its audit entry, in one transaction: a session is never unaccounted for. */
  async insertMonitor(row: typeof callMonitors.$inferInsert, audit: AuditRecordInput): Promise<CallMonitor> {
    return this.db.transaction(async (tx) => {
      const [inserted] = await tx.insert(callMonitors).values(row).returning();
      if (!inserted) throw new Error('monitor insert returned nothing');
      await auditLog.record(tx, audit);
      return toMonitor(inserted);
    });
  }

  async findMonitor(companyId: string, monitorId: string): Promise<CallMonitor | undefined> {
    const [row] = await this.db
      .select()
      .from(callMonitors)
      .where(and(eq(callMonitors.companyId, companyId), eq(callMonitors.id, monitorId)));
    return row && toMonitor(row);
  }

  /** By id alone: the PBX names monitors by the ids we gave their channels. */
  async findMonitorById(monitorId: string): Promise<CallMonitor | undefined> {
    const [row] = await this.db.select().from(callMonitors).where(eq(callMonitors.id, monitorId));
    return row && toMonitor(row);
  }

  async findOpenMonitor(companyId: string, callId: string, supervisorId: string): Promise<CallMonitor | undefined> {
    const [row] = await this.db
      .select()
      .from(callMonitors)
      .where(
        and(
          eq(callMonitors.companyId, companyId),
          eq(callMonitors.callId, callId),
          eq(callMonitors.supervisorId, supervisorId),
          isNull(callMonitors.endedAt),
        ),
      );
    return row && toMonitor(row);
  }

  async findMonitorByChannel(channelId: string): Promise<CallMonitor | undefined> {
    const [row] = await this.db
      .select()
      .from(callMonitors)
      .where(or(eq(callMonitors.supervisorChannelId, channelId), eq(callMonitors.snoopChannelId, channelId)))
      .orderBy(desc(callMonitors.startedAt))
      .limit(1);
    return row && toMonitor(row);
  }

  async listMonitors(companyId: string, callId: string, openOnly: boolean): Promise<CallMonitor[]> {
    const rows = await this.db
      .select()
      .from(callMonitors)
      .where(
        and(
          eq(callMonitors.companyId, companyId),
          eq(callMonitors.callId, callId),
          ...(openOnly ? [isNull(callMonitors.endedAt)] : []),
        ),
      )
      .orderBy(callMonitors.startedAt);
    return rows.map(toMonitor);
  }

  /** Applies `patch` (from the locked row) if the monitor is still in one of `from`; the updated row, or undefined. */
  async updateMonitor(
    monitorId: string,
    from: readonly MonitorStatus[],
    patch: (current: CallMonitor) => Partial<typeof callMonitors.$inferInsert> | undefined,
    audit?: (current: CallMonitor) => AuditRecordInput,
  ): Promise<CallMonitor | undefined> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(callMonitors)
        .where(and(eq(callMonitors.id, monitorId), inArray(callMonitors.status, [...from])))
        .for('update');
      if (!current) return undefined;
      const changes = patch(toMonitor(current));
      if (!changes) return undefined;
      const [row] = await tx.update(callMonitors).set(changes).where(eq(callMonitors.id, monitorId)).returning();
      if (audit) await auditLog.record(tx, audit(toMonitor(current)));
      return row && toMonitor(row);
    });
  }

  /** Open sessions of every company: reconciliation after the PBX link comes back. */
  async listOpenMonitorsEverywhere(): Promise<CallMonitor[]> {
    const rows = await this.db.select().from(callMonitors).where(isNull(callMonitors.endedAt));
    return rows.map(toMonitor);
  }

  async listOpenConsultsEverywhere(): Promise<CallConsult[]> {
    const rows = await this.db.select().from(callConsults).where(isNull(callConsults.endedAt));
    return rows.map(toConsult);
  }

  async insertConsult(row: typeof callConsults.$inferInsert): Promise<CallConsult> {
    const [inserted] = await this.db.insert(callConsults).values(row).returning();
    if (!inserted) throw new Error('consult insert returned nothing');
    return toConsult(inserted);
  }

  async findConsultById(consultId: string): Promise<CallConsult | undefined> {
    const [row] = await this.db.select().from(callConsults).where(eq(callConsults.id, consultId));
    return row && toConsult(row);
  }

  async findConsultByChannel(channelId: string): Promise<CallConsult | undefined> {
    const [row] = await this.db.select().from(callConsults).where(eq(callConsults.channelId, channelId));
    return row && toConsult(row);
  }

  async findOpenConsult(companyId: string, callId: string): Promise<CallConsult | undefined> {
    const [row] = await this.db
      .select()
      .from(callConsults)
      .where(and(eq(callConsults.companyId, companyId), eq(callConsults.callId, callId), isNull(callConsults.endedAt)));
    return row && toConsult(row);
  }

  async listConsults(companyId: string, callId: string): Promise<CallConsult[]> {
    const rows = await this.db
      .select()
      .from(callConsults)
      .where(and(eq(callConsults.companyId, companyId), eq(callConsults.callId, callId)))
      .orderBy(callConsults.startedAt);
    return rows.map(toConsult);
  }

  async updateConsult(
    consultId: string,
    from: readonly ConsultStatus[],
    patch: (current: CallConsult) => Partial<typeof callConsults.$inferInsert>,
  ): Promise<CallConsult | undefined> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(callConsults)
        .where(and(eq(callConsults.id, consultId), inArray(callConsults.status, [...from])))
        .for('update');
      if (!current) return undefined;
      const [row] = await tx
        .update(callConsults)
        .set(patch(toConsult(current)))
        .where(eq(callConsults.id, consultId))
        .returning();
      return row && toConsult(row);
    });
  }
}

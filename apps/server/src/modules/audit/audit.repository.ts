import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import type { KeysetCursor } from '../../shared/pagination.js';
import type { AuditEntry, AuditFilter } from './audit.js';

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** `db` is the action's transaction: the entry commits or rolls back with it. */
  static async insert(db: Db, row: AuditEntry): Promise<void> {
    await db.insert(auditLog).values(row);
  }

  /** Newest first; `limit + 1` rows so the caller knows whether more exist. */
  async list(companyId: string, filter: AuditFilter, cursor: KeysetCursor | undefined, limit: number) {
    const conditions: (SQL | undefined)[] = [eq(auditLog.companyId, companyId)];
    if (filter.actorUserId) conditions.push(eq(auditLog.actorUserId, filter.actorUserId));
    if (filter.actorApiKeyId) conditions.push(eq(auditLog.actorApiKeyId, filter.actorApiKeyId));
    if (filter.action) conditions.push(eq(auditLog.action, filter.action));
    if (filter.targetType) conditions.push(eq(auditLog.targetType, filter.targetType));
    if (filter.targetId) conditions.push(eq(auditLog.targetId, filter.targetId));
    if (filter.from) conditions.push(gte(auditLog.createdAt, filter.from));
    if (filter.to) conditions.push(lt(auditLog.createdAt, filter.to));
    if (cursor) {
      conditions.push(
        or(
          lt(auditLog.createdAt, cursor.createdAt),
          and(eq(auditLog.createdAt, cursor.createdAt), lt(auditLog.id, cursor.id)),
        ),
      );
    }
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
      .limit(limit + 1);
    return rows.map((row): AuditEntry => ({
      ...row,
      actorType: row.actorType as AuditEntry['actorType'],
      details: (row.details ?? {}) as Record<string, unknown>,
    }));
  }
}

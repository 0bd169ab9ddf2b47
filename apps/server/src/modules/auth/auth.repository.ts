import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { refreshTokens, users } from '../../db/schema/index.js';
import type { Role } from '../../shared/actor.js';
import { auditLog, type AuditRecordInput } from '../audit/index.js';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

/** What every authenticated request needs to know about its user and session. */
export interface SessionState {
  userId: string;
  companyId: string;
  role: Role;
  isActive: boolean;
  tokensValidAfter: Date;
  /** The family still has a token that is neither rotated nor revoked. */
  isSessionLive: boolean;
}

export class AuthRepository {
  constructor(private readonly db: Db) {}

  /** Sign-ins and failed attempts, in the audit log (GET /api/audit-log). */
  async recordAudit(input: AuditRecordInput): Promise<void> {
    await auditLog.record(this.db, input);
  }

  transaction<T>(fn: (repo: AuthRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new AuthRepository(tx as unknown as Db)));
  }

  async insertRefreshToken(row: typeof refreshTokens.$inferInsert): Promise<void> {
    await this.db.insert(refreshTokens).values(row);
  }

  async findRefreshToken(tokenId: string): Promise<RefreshTokenRow | undefined> {
    const [row] = await this.db.select().from(refreshTokens).where(eq(refreshTokens.id, tokenId));
    return row;
  }

  /** Locks the row (FOR UPDATE) so two concurrent refreshes of one token serialize. */
  async findRefreshTokenForUpdate(tokenId: string): Promise<RefreshTokenRow | undefined> {
    const [row] = await this.db.select().from(refreshTokens).where(eq(refreshTokens.id, tokenId)).for('update');
    return row;
  }

  async markRotated(tokenId: string, replacedById: string, at: Date): Promise<void> {
    await this.db.update(refreshTokens).set({ replacedById, revokedAt: at }).where(eq(refreshTokens.id, tokenId));
  }

  async revokeFamily(companyId: string, familyId: string, at: Date): Promise<void> {
    await this.db
      .update(refreshTokens)
      .set({ revokedAt: at })
      .where(
        and(
          eq(refreshTokens.companyId, companyId),
          eq(refreshTokens.familyId, familyId),
          isNull(refreshTokens.revokedAt),
        ),
      );
  }

  async revokeAllForUser(companyId: string, userId: string, at: Date): Promise<void> {
    await this.db
      .update(refreshTokens)
      .set({ revokedAt: at })
      .where(
        and(eq(refreshTokens.companyId, companyId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)),
      );
  }

  /**
   * The user and whether their session (refresh-token family) is live, in one statement:
   * this runs on every authenticated request. The family index serves the subquery.
   */
  async findSessionState(companyId: string, userId: string, familyId: string): Promise<SessionState | undefined> {
    const [row] = await this.db
      .select({
        userId: users.id,
        companyId: users.companyId,
        role: users.role,
        isActive: users.isActive,
        tokensValidAfter: users.tokensValidAfter,
        // Aliased: a one-table select renders column names unqualified, which inside the
        // subquery would resolve to refresh_tokens' own columns.
        isSessionLive: sql<boolean>`exists (select 1 from ${refreshTokens} as session where session.family_id = ${familyId} and session.user_id = ${userId} and session.revoked_at is null)`,
      })
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.id, userId)));
    return row;
  }

  /**
   * Deletes up to `limit` tokens nobody can use any more: expired ones, and revoked ones
   * whose family has no live token left (a rotated token of a live family stays until it
   * expires: presenting it again is how reuse is detected). Returns how many went.
   */
  async pruneDeadTokens(now: Date, limit: number): Promise<number> {
    const live = sql`exists (select 1 from ${refreshTokens} as live where live.family_id = ${refreshTokens.familyId} and live.revoked_at is null and live.expires_at > ${now.toISOString()}::timestamptz)`;
    const doomed = this.db
      .select({ id: refreshTokens.id })
      .from(refreshTokens)
      .where(sql`${lt(refreshTokens.expiresAt, now)} or (${refreshTokens.revokedAt} is not null and not ${live})`)
      .limit(limit);
    const deleted = await this.db
      .delete(refreshTokens)
      .where(inArray(refreshTokens.id, doomed))
      .returning({ id: refreshTokens.id });
    return deleted.length;
  }
}

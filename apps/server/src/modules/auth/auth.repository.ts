import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { refreshTokens } from '../../db/schema/index.js';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export class AuthRepository {
  constructor(private readonly db: Db) {}

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

  async deleteExpired(before: Date): Promise<number> {
    const deleted = await this.db
      .delete(refreshTokens)
      .where(lt(refreshTokens.expiresAt, before))
      .returning({ id: refreshTokens.id });
    return deleted.length;
  }
}

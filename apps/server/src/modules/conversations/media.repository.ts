/**
 * The queue of media downloads (`media_downloads`): claimed by one node at a time, a stale
 * claim (a node that stopped mid-download) taken over after the lease, retried on a
 * schedule until stored or given up.
 */
import { and, asc, eq, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { mediaDownloads, messages } from '../../db/schema/index.js';
import type { MessageMedia } from './conversations.js';

export interface DueDownload {
  companyId: string;
  messageId: string;
}

export class MediaRepository {
  constructor(private readonly db: Db) {}

  /** Claims a due download: the attempt number for exactly one caller, else undefined. */
  async claim(companyId: string, messageId: string, now: Date, staleBefore: Date): Promise<number | undefined> {
    const [claimed] = await this.db
      .update(mediaDownloads)
      .set({ claimedAt: now, attempts: sql`${mediaDownloads.attempts} + 1`, updatedAt: now })
      .where(
        and(
          eq(mediaDownloads.companyId, companyId),
          eq(mediaDownloads.messageId, messageId),
          isNotNull(mediaDownloads.nextAttemptAt),
          lte(mediaDownloads.nextAttemptAt, now),
          or(isNull(mediaDownloads.claimedAt), lt(mediaDownloads.claimedAt, staleBefore)),
        ),
      )
      .returning({ attempts: mediaDownloads.attempts });
    return claimed?.attempts;
  }

  /** Releases the claim; `nextAttemptAt` null means done (stored or given up). */
  async release(
    companyId: string,
    messageId: string,
    outcome: { nextAttemptAt: Date | null; lastError: string | null; now: Date },
  ): Promise<void> {
    await this.db
      .update(mediaDownloads)
      .set({
        claimedAt: null,
        nextAttemptAt: outcome.nextAttemptAt,
        lastError: outcome.lastError,
        updatedAt: outcome.now,
      })
      .where(and(eq(mediaDownloads.companyId, companyId), eq(mediaDownloads.messageId, messageId)));
  }

  /**
   * Makes a download due now with a fresh count of attempts (an agent asked again); false
   * while a node holds it.
   */
  async requeue(companyId: string, messageId: string, now: Date, staleBefore: Date): Promise<boolean> {
    const requeued = await this.db
      .insert(mediaDownloads)
      .values({ messageId, companyId, attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: mediaDownloads.messageId,
        set: { attempts: 0, nextAttemptAt: now, claimedAt: null, lastError: null, updatedAt: now },
        setWhere: or(isNull(mediaDownloads.claimedAt), lt(mediaDownloads.claimedAt, staleBefore)),
      })
      .returning({ messageId: mediaDownloads.messageId });
    return requeued.length > 0;
  }

  /** Downloads due now that nobody holds, oldest first; across companies (the worker's query). */
  async listDue(now: Date, staleBefore: Date, limit: number): Promise<DueDownload[]> {
    return this.db
      .select({ companyId: mediaDownloads.companyId, messageId: mediaDownloads.messageId })
      .from(mediaDownloads)
      .where(
        and(
          isNotNull(mediaDownloads.nextAttemptAt),
          lte(mediaDownloads.nextAttemptAt, now),
          or(isNull(mediaDownloads.claimedAt), lt(mediaDownloads.claimedAt, staleBefore)),
        ),
      )
      .orderBy(asc(mediaDownloads.nextAttemptAt))
      .limit(limit);
  }

  /** Never over a `deleted` (media-retention.ts may have run while a download was out). */
  async setMessageMedia(companyId: string, messageId: string, media: MessageMedia, now: Date): Promise<void> {
    await this.db
      .update(messages)
      .set({ media, updatedAt: now })
      .where(
        and(
          eq(messages.companyId, companyId),
          eq(messages.id, messageId),
          sql`coalesce(${messages.media}->>'status', '') <> 'deleted'`,
        ),
      );
  }
}

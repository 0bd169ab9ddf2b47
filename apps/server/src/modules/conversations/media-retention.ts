/**
 * Media retention (MEDIA_RETENTION_DAYS): files contacts sent longer ago than the retention
 * are deleted from MEDIA_DIR and their message's media marked `deleted`; the message, its
 * caption and its place in the conversation stay. Downloads still pending for such old
 * messages are dropped. Personal-data rules (LGPD, GDPR) want a stated retention, and the
 * directory would otherwise only grow.
 *
 * One node sweeps at a time (db/leader-lock.ts), in batches across companies (the sweep is
 * a job of the installation, each row keeps its company), each file removed before its
 * row says so: a file that cannot be removed is logged and tried on the next sweep.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { runAsLeader } from '../../db/leader-lock.js';
import { mediaDownloads, messages } from '../../db/schema/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { RetentionSchedule, type RetentionSweepCounts } from '../../shared/retention-schedule.js';
import type { MediaFiles } from './media.files.js';

const BATCH = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MediaRetentionDeps {
  db: Db;
  files: MediaFiles;
  retentionDays: number;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
}

export class MediaRetention {
  private readonly schedule: RetentionSchedule;

  constructor(private readonly deps: MediaRetentionDeps) {
    this.schedule = new RetentionSchedule({
      what: 'media',
      intervalMs: deps.intervalMs,
      batch: BATCH,
      sweep: () => this.sweepOnce(),
      logger: deps.logger,
    });
  }

  /** One pass: up to one batch of media past the retention. */
  async sweepOnce(): Promise<RetentionSweepCounts & { isLeader: boolean }> {
    const { db, clock, retentionDays, files } = this.deps;
    const cutoff = new Date(clock.now().getTime() - retentionDays * DAY_MS);
    const run = await runAsLeader(db, 'media-retention', async (tx) => {
      const expired = await tx
        .select({ id: messages.id, companyId: messages.companyId, status: sql<string>`${messages.media}->>'status'` })
        .from(messages)
        .where(
          and(
            eq(messages.type, 'media'),
            lt(messages.createdAt, cutoff),
            sql`coalesce(${messages.media}->>'status', 'stored') <> 'deleted'`,
          ),
        )
        .orderBy(asc(messages.createdAt))
        .limit(BATCH);
      const removed: string[] = [];
      let failed = 0;
      for (const message of expired) {
        try {
          if (message.status === 'stored') await files.remove(message.companyId, message.id);
          removed.push(message.id);
        } catch (err) {
          failed += 1;
          this.deps.logger.error(
            { err, messageId: message.id, companyId: message.companyId },
            'media past its retention could not be deleted',
          );
        }
      }
      if (removed.length > 0) {
        await tx.delete(mediaDownloads).where(inArray(mediaDownloads.messageId, removed));
        await tx
          .update(messages)
          .set({
            media: sql`${messages.media} || '{"status": "deleted", "failureReason": null}'::jsonb`,
            updatedAt: clock.now(),
          })
          .where(inArray(messages.id, removed));
      }
      return { deleted: removed.length, failed };
    });
    if (!run.isLeader) return { isLeader: false, deleted: 0, failed: 0 };
    if (run.result.deleted > 0 || run.result.failed > 0) {
      this.deps.logger.info({ ...run.result, retentionDays, cutoff }, 'media past its retention deleted');
    }
    return { isLeader: true, ...run.result };
  }

  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}

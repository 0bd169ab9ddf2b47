/**
 * Media retention (MEDIA_RETENTION_DAYS): files contacts sent longer ago than the retention
 * are deleted from MEDIA_DIR and their message's media marked `deleted`; the message, its
 * caption and its place in the conversation stay. Downloads still pending for such old
 * messages are dropped. Personal-data rules (LGPD, GDPR) want a stated retention, and the
 * directory would otherwise only grow.
 *
 * Uploads (UPLOAD_RETENTION_HOURS, always on): files agents and web-chat visitors uploaded
 * are removed, file and row, that long after the upload. One never sent was abandoned; one
 * sent was copied to its message (the message keeps its own file), so the upload is no
 * longer needed either. A visitor's upload whose message is still fetching it stays.
 *
 * One node sweeps at a time (db/leader-lock.ts), in batches across companies (the sweep is
 * a job of the installation, each row keeps its company), each file removed before its
 * row says so: a file that cannot be removed is logged and tried on the next sweep.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { runAsLeader } from '../../db/leader-lock.js';
import { mediaDownloads, messages, messageUploads, webchatUploads } from '../../db/schema/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { RetentionSchedule, type RetentionSweepCounts } from '../../shared/retention-schedule.js';
import type { MediaFiles } from './media.files.js';

const BATCH = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MediaRetentionDeps {
  db: Db;
  files: MediaFiles;
  /** Contacts' files; undefined keeps them. */
  retentionDays: number | undefined;
  /** Uploads, sent or not, are removed this long after they were made. */
  uploadRetentionMs: number;
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

  /**
   * One pass: up to one batch of media past the retention and one of old uploads.
   * `uploadsDeleted` counts the uploads among `deleted`.
   */
  async sweepOnce(): Promise<RetentionSweepCounts & { isLeader: boolean; uploadsDeleted: number }> {
    const { db } = this.deps;
    const run = await runAsLeader(db, 'media-retention', async (tx) => {
      const media = await this.sweepMedia(tx);
      const uploads = await this.sweepUploads(tx);
      return { deleted: media.deleted + uploads.deleted, failed: media.failed + uploads.failed, uploads };
    });
    if (!run.isLeader) return { isLeader: false, deleted: 0, failed: 0, uploadsDeleted: 0 };
    const { deleted, failed, uploads } = run.result;
    return { isLeader: true, deleted, failed, uploadsDeleted: uploads.deleted };
  }

  private async sweepMedia(tx: Db): Promise<RetentionSweepCounts> {
    const { clock, retentionDays, files } = this.deps;
    if (retentionDays === undefined) return { deleted: 0, failed: 0 };
    const cutoff = new Date(clock.now().getTime() - retentionDays * DAY_MS);
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
    if (removed.length > 0 || failed > 0) {
      this.deps.logger.info(
        { deleted: removed.length, failed, retentionDays, cutoff },
        'media past its retention deleted',
      );
    }
    return { deleted: removed.length, failed };
  }

  /** Agents' and visitors' uploads older than the upload retention: file first, then the row. */
  private async sweepUploads(tx: Db): Promise<RetentionSweepCounts> {
    const cutoff = new Date(this.deps.clock.now().getTime() - this.deps.uploadRetentionMs);
    const agents = await this.sweepUploadTable(tx, messageUploads, cutoff, sql`true`);
    // A visitor's upload is the source its message's download reads until the file is stored.
    const notBeingFetched = sql`not exists (
      select 1 from ${mediaDownloads} d join ${messages} m on m.id = d.message_id
      where m.company_id = ${webchatUploads.companyId} and m.media->>'mediaId' = ${webchatUploads.id}::text
        and m.media->>'status' = 'pending')`;
    const visitors = await this.sweepUploadTable(tx, webchatUploads, cutoff, notBeingFetched);
    const counts = { deleted: agents.deleted + visitors.deleted, failed: agents.failed + visitors.failed };
    if (counts.deleted > 0 || counts.failed > 0) this.deps.logger.info({ ...counts, cutoff }, 'old uploads deleted');
    return counts;
  }

  private async sweepUploadTable(
    tx: Db,
    table: typeof messageUploads | typeof webchatUploads,
    cutoff: Date,
    condition: ReturnType<typeof sql>,
  ): Promise<RetentionSweepCounts> {
    const old = await tx
      .select({ id: table.id, companyId: table.companyId })
      .from(table)
      .where(and(lt(table.createdAt, cutoff), condition))
      .orderBy(asc(table.createdAt), asc(table.id))
      .limit(BATCH);
    const removed: string[] = [];
    let failed = 0;
    for (const upload of old) {
      try {
        await this.deps.files.remove(upload.companyId, upload.id);
        removed.push(upload.id);
      } catch (err) {
        failed += 1;
        this.deps.logger.error({ err, uploadId: upload.id, companyId: upload.companyId }, 'old upload not deleted');
      }
    }
    if (removed.length > 0) await tx.delete(table).where(inArray(table.id, removed));
    return { deleted: removed.length, failed };
  }

  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}

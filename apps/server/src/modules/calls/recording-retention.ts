/**
 * Recording retention (RECORDING_RETENTION_DAYS): recordings that ended longer ago than the
 * retention are deleted from disk and marked `deleted`; the call keeps its history, notes
 * and transitions, and `has_recording` turns false. Asterisk never deletes recordings, so
 * without this the recordings directory only grows, and personal-data rules (LGPD, GDPR)
 * want a stated retention anyway.
 *
 * One node sweeps at a time (db/leader-lock.ts), in batches, each file removed before its
 * row says so: a file that cannot be removed (permissions, I/O) leaves its row as it was,
 * to be tried on the next sweep, and is logged. A file already gone counts as removed.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { and, asc, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { runAsLeader } from '../../db/leader-lock.js';
import { callRecordings } from '../../db/schema/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { RetentionSchedule } from '../../shared/retention-schedule.js';

const BATCH = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RecordingRetentionDeps {
  db: Db;
  recordingsDir: string;
  retentionDays: number;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
}

export interface RetentionSweep {
  isLeader: boolean;
  deleted: number;
  failed: number;
}

export class RecordingRetention {
  private readonly schedule: RetentionSchedule;

  constructor(private readonly deps: RecordingRetentionDeps) {
    this.schedule = new RetentionSchedule({
      what: 'recording',
      intervalMs: deps.intervalMs,
      batch: BATCH,
      sweep: () => this.sweepOnce(),
      logger: deps.logger,
    });
  }

  /** One pass: deletes up to one batch of expired recordings. */
  async sweepOnce(): Promise<RetentionSweep> {
    const { db, clock, retentionDays } = this.deps;
    const cutoff = new Date(clock.now().getTime() - retentionDays * DAY_MS);
    const run = await runAsLeader(db, 'recording-retention', async (tx) => {
      const expired = await tx
        .select({
          id: callRecordings.id,
          companyId: callRecordings.companyId,
          asteriskName: callRecordings.asteriskName,
          format: callRecordings.format,
        })
        .from(callRecordings)
        .where(
          and(
            inArray(callRecordings.status, ['done', 'failed']),
            lt(sql`coalesce(${callRecordings.endedAt}, ${callRecordings.startedAt})`, cutoff),
          ),
        )
        .orderBy(asc(callRecordings.startedAt))
        .limit(BATCH);
      const removed: string[] = [];
      let failed = 0;
      for (const recording of expired) {
        // The name is ours (a random UUID), never client input (ADR 9).
        const path = join(this.deps.recordingsDir, `${recording.asteriskName}.${recording.format}`);
        try {
          await unlink(path);
          removed.push(recording.id);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            removed.push(recording.id);
            continue;
          }
          failed += 1;
          this.deps.logger.error(
            { err, recordingId: recording.id, companyId: recording.companyId },
            'recording past its retention could not be deleted',
          );
        }
      }
      if (removed.length > 0) {
        await tx.update(callRecordings).set({ status: 'deleted' }).where(inArray(callRecordings.id, removed));
      }
      return { deleted: removed.length, failed };
    });
    if (!run.isLeader) return { isLeader: false, deleted: 0, failed: 0 };
    if (run.result.deleted > 0 || run.result.failed > 0) {
      this.deps.logger.info({ ...run.result, retentionDays, cutoff }, 'recordings past their retention deleted');
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

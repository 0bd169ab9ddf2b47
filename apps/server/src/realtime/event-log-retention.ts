/**
 * EVENT_LOG_RETENTION_DAYS (default 7): events older than the replay window are deleted
 * from `event_log`, which otherwise grows with every message, call and presence change.
 * A socket reconnecting after longer than that reloads over HTTP anyway. One node prunes at
 * a time (db/leader-lock.ts), in batches, on the schedule retention sweeps share.
 */
import type { Db } from '../db/client.js';
import { runAsLeader } from '../db/leader-lock.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { RetentionSchedule, type RetentionSweepCounts } from '../shared/retention-schedule.js';
import type { EventLogRepository } from './event-log.repository.js';

const BATCH = 5_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface EventLogRetentionDeps {
  db: Db;
  eventLog: EventLogRepository;
  retentionDays: number;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
}

export class EventLogRetention {
  private readonly schedule: RetentionSchedule;

  constructor(private readonly deps: EventLogRetentionDeps) {
    this.schedule = new RetentionSchedule({
      what: 'event log',
      intervalMs: deps.intervalMs,
      batch: BATCH,
      sweep: () => this.sweepOnce(),
      logger: deps.logger,
    });
  }

  /** One pass: up to one batch of events past the retention, on the node holding the lock. */
  async sweepOnce(): Promise<RetentionSweepCounts & { isLeader: boolean }> {
    const { db, clock, retentionDays, eventLog } = this.deps;
    const cutoff = new Date(clock.now().getTime() - retentionDays * DAY_MS);
    const run = await runAsLeader(db, 'event-log-retention', (tx) => eventLog.deleteBatchOlderThan(tx, cutoff, BATCH));
    if (!run.isLeader) return { deleted: 0, failed: 0, isLeader: false };
    if (run.result > 0) this.deps.logger.info({ deleted: run.result, cutoff }, 'event log pruned');
    return { deleted: run.result, failed: 0, isLeader: true };
  }

  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}

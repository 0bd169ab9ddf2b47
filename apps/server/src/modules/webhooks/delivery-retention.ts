/**
 * WEBHOOK_DELIVERY_RETENTION_DAYS (default 30): finished deliveries (delivered or failed)
 * older than that are deleted with their attempts, so the delivery log of webhooks and RD
 * Station does not grow without end. Pending ones are never pruned (they end within 24 h
 * anyway). One node prunes at a time (db/leader-lock.ts), in batches, on the shared
 * retention schedule, as event_log is pruned.
 */
import { and, inArray, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { runAsLeader } from '../../db/leader-lock.js';
import { integrationDeliveries } from '../../db/schema/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { RetentionSchedule, type RetentionSweepCounts } from '../../shared/retention-schedule.js';

const BATCH = 5_000;
const DAY_MS = 24 * 60 * 60 * 1000;
export const DELIVERY_RETENTION_JOB = 'integration-delivery-retention';

export interface DeliveryRetentionDeps {
  db: Db;
  retentionDays: number;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
}

export class DeliveryRetention {
  private readonly schedule: RetentionSchedule;

  constructor(private readonly deps: DeliveryRetentionDeps) {
    this.schedule = new RetentionSchedule({
      what: 'integration deliveries',
      intervalMs: deps.intervalMs,
      batch: BATCH,
      sweep: () => this.sweepOnce(),
      logger: deps.logger,
    });
  }

  /** One pass: up to one batch of finished deliveries past the retention, on the node holding the lock. */
  async sweepOnce(): Promise<RetentionSweepCounts & { isLeader: boolean }> {
    const { db, clock, retentionDays } = this.deps;
    const cutoff = new Date(clock.now().getTime() - retentionDays * DAY_MS);
    const run = await runAsLeader(db, DELIVERY_RETENTION_JOB, async (tx) => {
      // Attempts go with their delivery (on delete cascade).
      const oldest = tx
        .select({ id: integrationDeliveries.id })
        .from(integrationDeliveries)
        .where(
          and(
            inArray(integrationDeliveries.status, ['delivered', 'failed']),
            lt(integrationDeliveries.createdAt, cutoff),
          ),
        )
        .limit(BATCH);
      const deleted = await tx
        .delete(integrationDeliveries)
        .where(inArray(integrationDeliveries.id, oldest))
        .returning({ id: integrationDeliveries.id });
      return deleted.length;
    });
    if (!run.isLeader) return { deleted: 0, failed: 0, isLeader: false };
    if (run.result > 0) this.deps.logger.info({ deleted: run.result, cutoff }, 'integration deliveries pruned');
    return { deleted: run.result, failed: 0, isLeader: true };
  }

  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}

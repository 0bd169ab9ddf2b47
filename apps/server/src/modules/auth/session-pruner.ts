/**
 * Deletes refresh tokens nobody can use any more — expired ones, and the rows of ended
 * sessions — so `refresh_tokens` does not grow for ever. Runs at start and then hourly,
 * on one node at a time (the leader lock); a backlog is worked through in batches.
 */
import type { Db } from '../../db/client.js';
import { runAsLeader } from '../../db/leader-lock.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { RetentionSchedule, type RetentionSweepCounts } from '../../shared/retention-schedule.js';
import { AuthRepository } from './auth.repository.js';

const BATCH = 5_000;
export const SESSION_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export class SessionPruner {
  private readonly schedule: RetentionSchedule;

  constructor(private readonly deps: { db: Db; clock: Clock; logger: Logger; intervalMs?: number }) {
    this.schedule = new RetentionSchedule({
      what: 'refresh token',
      intervalMs: deps.intervalMs ?? SESSION_PRUNE_INTERVAL_MS,
      batch: BATCH,
      sweep: () => this.pruneOnce(),
      logger: deps.logger,
    });
  }

  /** One batch; another node holding the lock makes this run a no-op. */
  async pruneOnce(): Promise<RetentionSweepCounts> {
    const now = this.deps.clock.now();
    const run = await runAsLeader(this.deps.db, 'refresh-token-pruning', (tx) =>
      new AuthRepository(tx).pruneDeadTokens(now, BATCH),
    );
    const deleted = run.isLeader ? run.result : 0;
    if (deleted > 0) this.deps.logger.info({ deleted }, 'dead refresh tokens pruned');
    return { deleted, failed: 0 };
  }

  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}

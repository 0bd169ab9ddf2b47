/**
 * Runs a retention sweep (recordings, media) at start and then every `intervalMs`; while
 * sweeps come back with whole batches (a backlog after retention was first set, or after
 * downtime) the next one runs at once. A failed sweep is logged and tried at the next
 * interval. `stop` waits for a sweep in progress.
 */
import type { Logger } from './logger.js';

export interface RetentionSweepCounts {
  deleted: number;
  failed: number;
}

export class RetentionSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private isStopped = true;

  constructor(
    private readonly options: {
      what: string;
      intervalMs: number;
      batch: number;
      sweep: () => Promise<RetentionSweepCounts>;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.isStopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      let next = this.options.intervalMs;
      this.running = this.options
        .sweep()
        .then((sweep) => {
          const { batch } = this.options;
          if (sweep.deleted + sweep.failed >= batch && sweep.failed < batch) next = 0;
        })
        .catch((err: unknown) => this.options.logger.error({ err }, `${this.options.what} retention sweep failed`))
        .finally(() => this.schedule(next));
    }, delayMs);
    this.timer.unref();
  }
}

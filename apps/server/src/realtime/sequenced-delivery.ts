/**
 * With several nodes (REDIS_URL), hands this node's subscribers every node's events in seq
 * order, each once, without losing any.
 *
 * Events come in from Redis (every node's, this one's included) and straight from this
 * node's own publishes, in any order and possibly twice. Seqs are handed out in commit order
 * (event-log.repository.ts), so the event log is the truth to fall back on:
 * - the next seq is delivered at once, with any held events that follow it;
 * - an event past a gap is held; if the gap has not filled within `gapWaitMs` (2 ms), the log is
 *   read from the last delivered seq, and a seq that is not there is skipped (it was rolled
 *   back: a later seq is already committed);
 * - every `pollIntervalMs` the log is compared with what was delivered, which catches an
 *   event whose message never came (a node that died between commit and publish, Redis
 *   down or the subscription lost), and after the subscription is restored the log is read
 *   at once.
 * Duplicates (seq at or below the last delivered) are dropped.
 */
import type { PublishedEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { EventLogRepository } from './event-log.repository.js';

/**
 * How long a gap may wait for its message before the log is read. A seq past the gap is
 * committed, so the log already holds (or will never hold) everything below it: the wait
 * only saves a read when the message is on its way, and it is a floor under the delivery of
 * every event behind the gap. It is short: long enough for a message already in Redis's
 * socket to be read first, not for another node's event loop to catch up. Measured with
 * bench:routing (docs/benchmarks.md, routing pass 8), about a third of a node's events came
 * after a gap and, at 50 ms, waited 24–27 ms at the median for the other node's message;
 * a read of the log is one indexed statement.
 */
export const DEFAULT_GAP_WAIT_MS = 2;
export const DEFAULT_POLL_INTERVAL_MS = 5000;
const READ_BATCH = 500;

export interface SequencedDeliveryOptions {
  log: Pick<EventLogRepository, 'listAfter' | 'latestSeq'>;
  deliver: (event: PublishedEvent) => void;
  logger: Logger;
  gapWaitMs?: number;
  pollIntervalMs?: number;
}

export type CatchUpReason = 'gap' | 'poll' | 'resubscribed';

export class SequencedDelivery {
  private lastDelivered = 0;
  private isStarted = false;
  private isClosed = false;
  private readonly held = new Map<number, PublishedEvent>();
  private gapTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private readonly gapWaitMs: number;
  private readonly pollIntervalMs: number;

  constructor(private readonly options: SequencedDeliveryOptions) {
    this.gapWaitMs = options.gapWaitMs ?? DEFAULT_GAP_WAIT_MS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  /** The last seq handed to subscribers. */
  get deliveredSeq(): number {
    return this.lastDelivered;
  }

  /** Starts after the log's latest seq: what came before, sockets get by replay. */
  async start(): Promise<void> {
    this.lastDelivered = await this.options.log.latestSeq();
    this.isStarted = true;
    for (const seq of this.held.keys()) if (seq <= this.lastDelivered) this.held.delete(seq);
    this.pollTimer = setInterval(() => void this.catchUp('poll'), this.pollIntervalMs);
    this.pollTimer.unref();
    this.flush();
  }

  receive(event: PublishedEvent): void {
    if (this.isClosed || (this.isStarted && event.seq <= this.lastDelivered)) return;
    this.held.set(event.seq, event);
    if (this.isStarted) this.flush();
  }

  /** Reads the log after the last delivered seq and delivers what it holds, in order. */
  catchUp(reason: CatchUpReason): Promise<void> {
    if (!this.isStarted || this.isClosed) return Promise.resolve();
    this.reading ??= this.readLog(reason).finally(() => {
      this.reading = undefined;
      this.flush();
    });
    return this.reading;
  }

  /** Stops delivering; waits for a log read under way. */
  async close(): Promise<void> {
    this.isClosed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.gapTimer);
    this.held.clear();
    await this.reading;
  }

  private async readLog(reason: CatchUpReason): Promise<void> {
    try {
      let found = 0;
      for (;;) {
        const batch = await this.options.log.listAfter(this.lastDelivered, READ_BATCH);
        for (const event of batch) {
          if (this.isClosed) return;
          // Seqs are in commit order: one missing below a committed one never comes.
          if (event.seq > this.lastDelivered) this.deliverNow(event);
        }
        found += batch.length;
        if (batch.length < READ_BATCH) break;
      }
      for (const seq of this.held.keys()) if (seq <= this.lastDelivered) this.held.delete(seq);
      if (found > 0 && reason !== 'gap') {
        this.options.logger.info({ reason, events: found }, 'events delivered from the event log');
      }
    } catch (error) {
      this.options.logger.warn({ err: error, reason }, 'reading the event log failed; trying again later');
    }
  }

  private flush(): void {
    if (!this.isStarted || this.isClosed) return;
    for (let next = this.held.get(this.lastDelivered + 1); next; next = this.held.get(this.lastDelivered + 1)) {
      this.held.delete(next.seq);
      this.deliverNow(next);
    }
    if (this.held.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
      return;
    }
    this.gapTimer ??= setTimeout(() => {
      this.gapTimer = undefined;
      void this.catchUp('gap');
    }, this.gapWaitMs);
  }

  private deliverNow(event: PublishedEvent): void {
    this.lastDelivered = event.seq;
    try {
      this.options.deliver(event);
    } catch (error) {
      this.options.logger.error({ err: error, event: event.name, seq: event.seq }, 'event subscriber failed');
    }
  }
}

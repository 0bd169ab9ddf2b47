/**
 * Heartbeats stored in batches (ADR 26): every heartbeat this node receives within
 * `windowMs` is written by one statement, and the presences that answer them are read by
 * one more. At 10,000 agents beating every 30 s that is two statements a second instead
 * of two per heartbeat (670 a second).
 *
 * What does not change: a heartbeat is answered only once it is stored (the answer is
 * the presence as stored); the time stored is the moment the heartbeat was received, not
 * the moment its batch is written; a stored heartbeat never moves back (the statement
 * keeps the later of the two); an agent beating twice in one window is written once, with
 * the later time. Status changes, connections and the sweeper do not wait for a batch:
 * they are written at once, and the sweeper flushes this node's batch before it looks
 * for silent agents, so a heartbeat received before a sweep is never missed by it.
 */
import type { Logger } from '../../shared/logger.js';
import type { AgentKey, AgentPresence } from './presence.js';
import { keyString } from './presence.repository.js';

/** Stores the heartbeats and answers the presences of the agents that exist (others are left out). */
export type StoreHeartbeats = (beats: readonly (AgentKey & { at: Date })[]) => Promise<AgentPresence[]>;

interface Pending {
  key: AgentKey;
  at: Date;
  waiters: { resolve: (presence: AgentPresence | undefined) => void; reject: (error: unknown) => void }[];
}

/** The batching window: a heartbeat is stored and answered within about this long. */
export const HEARTBEAT_BATCH_MS = 1_000;

export class HeartbeatBatch {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  /** The flush under way (flushes never overlap, so batches are stored in order). */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StoreHeartbeats,
    private readonly logger: Logger,
    private readonly windowMs: number = HEARTBEAT_BATCH_MS,
  ) {}

  /**
   * Records a heartbeat received at `at`; resolves with the agent's presence once it is
   * stored (undefined: no such user), rejects when the batch could not be stored.
   */
  record(key: AgentKey, at: Date): Promise<AgentPresence | undefined> {
    return new Promise((resolve, reject) => {
      const id = keyString(key);
      const entry = this.pending.get(id);
      if (entry) {
        if (at.getTime() > entry.at.getTime()) entry.at = at;
        entry.waiters.push({ resolve, reject });
      } else {
        this.pending.set(id, { key, at, waiters: [{ resolve, reject }] });
      }
      if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), this.windowMs);
        this.timer.unref();
      }
    });
  }

  /** Stores what is pending now (after any flush under way); resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const run = this.flushing.then(() => (batch.size > 0 ? this.write(batch) : undefined));
    this.flushing = run;
    return run;
  }

  private async write(batch: Map<string, Pending>): Promise<void> {
    const entries = [...batch.values()];
    try {
      const stored = await this.store(entries.map(({ key, at }) => ({ ...key, at })));
      const byKey = new Map(stored.map((presence) => [keyString(presence), presence]));
      for (const [id, entry] of batch) for (const waiter of entry.waiters) waiter.resolve(byKey.get(id));
    } catch (error) {
      this.logger.error({ err: error, heartbeats: entries.length }, 'heartbeats not stored');
      for (const entry of entries) for (const waiter of entry.waiters) waiter.reject(error);
    }
  }
}

/**
 * This node's open sockets per agent, written to the database one agent at a time.
 *
 * Socket.IO reports connects and disconnects synchronously, but each write is a
 * transaction: a fast connect-then-close could commit out of order and leave a count of
 * one behind. So the count lives here, updated at once, and a per-agent queue writes it:
 * each write stores the count as it is when the write runs, and a write already waiting
 * absorbs later changes. Whatever the interleaving, the last write stores the last count.
 *
 * Each change is stamped with the moment the socket event was observed, and the write
 * stores that moment as the heartbeat, not the moment the write happens to run: a write
 * queued behind a slow transaction (a busy pool) must not make a socket that closed long
 * ago look like a fresh sign of life, or the agent would never time out.
 */
import type { Logger } from '../../shared/logger.js';
import type { AgentKey } from './presence.js';
import { agentChecksum, type NodeRows } from './presence.repository.js';

/** `seenAt`: when the last change was observed on this node (the heartbeat to store). */
export type SyncConnections = (key: AgentKey, openSockets: number, seenAt: Date) => Promise<void>;

export class NodeConnections {
  private readonly open = new Map<string, { key: AgentKey; count: number }>();
  /** `agentChecksum` of the agents in `open`, kept as they come and go. */
  private checksum = 0n;
  /** When each agent's last change was observed, until their write runs. */
  private readonly seen = new Map<string, Date>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly waiting = new Set<string>();
  private isClosed = false;

  constructor(
    private readonly sync: SyncConnections,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The agent now has `openSockets` sockets on this node. Ignored once closed. Resolves
   * once a write that stores this change has run (the socket server holds a new socket's
   * first client events until then, so `update_status` sees the socket connected).
   */
  update(key: AgentKey, openSockets: number): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    const wasOpen = this.open.has(key.agentId);
    if (openSockets > 0) this.open.set(key.agentId, { key, count: openSockets });
    else this.open.delete(key.agentId);
    if (wasOpen !== openSockets > 0) this.checksum ^= agentChecksum(key.agentId);
    return this.enqueue(key);
  }

  /** Whether the database holds a row for exactly the agents open here (by count and checksum). */
  matches(stored: NodeRows): boolean {
    return stored.rows === this.open.size && stored.checksum === this.checksum;
  }

  /**
   * Compares with the agents the database holds rows for on this node and rewrites any
   * that differ (rows the sweeper removed while this node stalled, or a row left behind).
   */
  reconcile(stored: readonly AgentKey[]): void {
    if (this.isClosed) return;
    const storedIds = new Set(stored.map((key) => key.agentId));
    for (const { key } of this.open.values()) if (!storedIds.has(key.agentId)) void this.enqueue(key);
    for (const key of stored) if (!this.open.has(key.agentId)) void this.enqueue(key);
  }

  /** Stops taking changes and waits for the writes under way. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all(this.queues.values());
  }

  /** The write that will store the agent's count as it is now (one already waiting absorbs it). */
  private enqueue(key: AgentKey): Promise<void> {
    const id = key.agentId;
    this.seen.set(id, this.now());
    if (this.waiting.has(id)) return this.queues.get(id) ?? Promise.resolve();
    this.waiting.add(id);
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => {
        this.waiting.delete(id);
        const seenAt = this.seen.get(id) ?? this.now();
        this.seen.delete(id);
        return this.sync(key, this.open.get(id)?.count ?? 0, seenAt);
      })
      .catch((error: unknown) => {
        this.logger.error({ err: error, companyId: key.companyId, agentId: id }, 'presence connections not stored');
      });
    this.queues.set(id, next);
    void next.then(() => {
      if (this.queues.get(id) === next) this.queues.delete(id);
    });
    return next;
  }
}

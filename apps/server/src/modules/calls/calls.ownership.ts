/**
 * Which node owns the PBX (ADR 23): every node configured with ASTERISK_ARI_URL competes
 * for one lease row in PostgreSQL (`pbx_leases`, name `ari`). The holder renews it every
 * second; it expires three seconds after the last renewal, so when the holder dies another
 * node takes it within about four seconds. Only the holder opens the ARI events WebSocket
 * (the composition root starts and stops it on `onChange`); the others forward call
 * commands to it (calls.forwarding.ts).
 *
 * - Taken and renewed by one conditional upsert: it succeeds for the holder itself or when
 *   the lease has expired, by the database's clock, so two nodes never both succeed.
 * - A holder that cannot renew (database unreachable) steps down on its own clock before
 *   the lease can have expired for the others: at most one node acts as the owner.
 * - A holder that lost the PBX (its WebSocket down longer than `pbxGraceMs`) releases the
 *   lease and sits out a while, so a node that can still reach Asterisk takes over.
 * - Released on a clean stop, so a rolling restart hands over at once.
 */
import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { randomString } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';

/** What the forwarding needs to know about ownership. */
export interface PbxOwnership {
  readonly nodeId: string;
  /** Whether this node holds the lease now (by its own reckoning, renewed every second). */
  isHolder(): boolean;
  /** The node holding an unexpired lease, from the database; undefined when none does. */
  findHolder(): Promise<string | undefined>;
}

export interface LeaseChange {
  isHolder: boolean;
  /** Increases each time the lease changes hands. */
  term: number;
  /**
   * When this node took the lease from another: that node's last renewal, the last moment
   * it was known to be alive and listening to the PBX. Undefined otherwise.
   */
  previousHolderLastSeenAt: Date | undefined;
}

export interface PbxLeaseOptions {
  db: Db;
  logger: Logger;
  nodeId?: string;
  name?: string;
  ttlMs?: number;
  renewIntervalMs?: number;
  /** Whether the PBX link is up; a holder whose link stays down past `pbxGraceMs` lets go. */
  isPbxUp?: () => boolean;
  pbxGraceMs?: number;
}

export const DEFAULT_LEASE_TTL_MS = 3_000;
export const DEFAULT_LEASE_RENEW_MS = 1_000;
const DEFAULT_PBX_GRACE_MS = 10_000;

/** `host-pid-random`: unique per process, readable in logs. */
export function newNodeId(): string {
  return `${hostname().slice(0, 60)}-${process.pid}-${randomString(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
}

interface LeaseRow {
  holder_node_id: string;
  term: unknown;
  is_new_holder: unknown;
  previous_renewed_at: unknown;
}

export class PbxLease implements PbxOwnership {
  readonly nodeId: string;
  readonly #name: string;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  readonly #graceMs: number;
  readonly #listeners = new Set<(change: LeaseChange) => void>();
  #isHolder = false;
  #term = 0;
  /** performance.now() of the last successful renewal. */
  #renewedAt = 0;
  #pbxDownSince: number | undefined;
  #sitOutUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #isStopped = false;

  constructor(private readonly options: PbxLeaseOptions) {
    this.nodeId = options.nodeId ?? newNodeId();
    this.#name = options.name ?? 'ari';
    this.#ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#renewMs = options.renewIntervalMs ?? DEFAULT_LEASE_RENEW_MS;
    this.#graceMs = options.pbxGraceMs ?? DEFAULT_PBX_GRACE_MS;
  }

  isHolder(): boolean {
    return this.#isHolder;
  }

  get term(): number {
    return this.#term;
  }

  onChange(listener: (change: LeaseChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async findHolder(): Promise<string | undefined> {
    const result = await this.options.db.execute(
      sql`select holder_node_id from pbx_leases where name = ${this.#name} and expires_at > now()`,
    );
    const { rows } = result as { rows: { holder_node_id: string }[] };
    return rows[0]?.holder_node_id;
  }

  /** Tries once at once (a lone node owns the PBX before it listens), then every second. */
  async start(): Promise<void> {
    this.#isStopped = false;
    await this.#tick();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#isStopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    if (!this.#isHolder) return;
    this.#setHolder(false, undefined);
    await this.#release().catch((error: unknown) => this.options.logger.warn({ err: error }, 'pbx lease not released'));
  }

  #schedule(): void {
    if (this.#isStopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => this.#schedule());
    }, this.#renewMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const now = performance.now();
    if (this.#isHolder && this.#hasLostPbx(now)) {
      this.options.logger.warn({ nodeId: this.nodeId, graceMs: this.#graceMs }, 'pbx unreachable; releasing the lease');
      this.#setHolder(false, undefined);
      this.#sitOutUntil = now + this.#graceMs;
      await this.#release().catch(() => undefined);
      return;
    }
    if (!this.#isHolder && now < this.#sitOutUntil) return;
    try {
      const row = await this.#acquire();
      if (this.#isStopped) return;
      if (row === undefined) {
        if (this.#isHolder) {
          this.options.logger.warn({ nodeId: this.nodeId }, 'pbx lease taken by another node');
          this.#setHolder(false, undefined);
        }
        return;
      }
      this.#renewedAt = performance.now();
      this.#term = Number(row.term);
      if (!this.#isHolder) {
        const previous =
          row.is_new_holder === true && row.previous_renewed_at
            ? new Date(row.previous_renewed_at as string)
            : undefined;
        this.#pbxDownSince = performance.now();
        this.options.logger.info(
          { nodeId: this.nodeId, term: this.#term, previousHolderLastSeenAt: previous },
          'pbx lease acquired: this node owns the ARI application',
        );
        this.#setHolder(true, previous);
      }
    } catch (error) {
      this.options.logger.warn({ err: error, nodeId: this.nodeId }, 'pbx lease not renewed');
      // Step down before the lease can have expired for the others.
      if (this.#isHolder && performance.now() - this.#renewedAt > this.#ttlMs * 0.7) {
        this.#setHolder(false, undefined);
      }
    }
  }

  #hasLostPbx(now: number): boolean {
    const isUp = this.options.isPbxUp?.() ?? true;
    if (isUp) {
      this.#pbxDownSince = undefined;
      return false;
    }
    this.#pbxDownSince ??= now;
    return now - this.#pbxDownSince > this.#graceMs;
  }

  async #acquire(): Promise<LeaseRow | undefined> {
    const ttl = `${this.#ttlMs} milliseconds`;
    const result = await this.options.db.execute(sql`
      insert into pbx_leases as l (name, holder_node_id, term, acquired_at, renewed_at, expires_at)
      values (${this.#name}, ${this.nodeId}, 1, now(), now(), now() + ${ttl}::interval)
      on conflict (name) do update set
        holder_node_id = excluded.holder_node_id,
        term = case when l.holder_node_id = excluded.holder_node_id then l.term else l.term + 1 end,
        acquired_at = case when l.holder_node_id = excluded.holder_node_id then l.acquired_at else now() end,
        previous_renewed_at = case when l.holder_node_id = excluded.holder_node_id
          then l.previous_renewed_at else l.renewed_at end,
        renewed_at = now(),
        expires_at = excluded.expires_at
      where l.holder_node_id = excluded.holder_node_id or l.expires_at <= now()
      returning holder_node_id, term, previous_renewed_at, (acquired_at = renewed_at) as is_new_holder`);
    const { rows } = result as { rows: LeaseRow[] };
    return rows[0];
  }

  /** Expires our lease now, so the next node need not wait for it to run out. */
  async #release(): Promise<void> {
    await this.options.db.execute(
      sql`update pbx_leases set expires_at = now(), renewed_at = now()
          where name = ${this.#name} and holder_node_id = ${this.nodeId}`,
    );
  }

  #setHolder(isHolder: boolean, previousHolderLastSeenAt: Date | undefined): void {
    if (this.#isHolder === isHolder) return;
    this.#isHolder = isHolder;
    const change: LeaseChange = { isHolder, term: this.#term, previousHolderLastSeenAt };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.logger.error({ err: error }, 'pbx lease listener threw');
      }
    }
  }
}

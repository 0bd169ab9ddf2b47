/**
 * The durable delivery queue (ADR 22): a PostgreSQL table both PGlite and PostgreSQL run.
 *
 * - **Enqueue, exactly once.** Every node reads the event log after a shared cursor, in a
 *   transaction that locks the cursor row: the deliveries of those events and the cursor's
 *   new position commit together, so however many nodes see an event, it is enqueued once
 *   (and a unique (target, event seq) index would refuse a second copy anyway). Seqs become
 *   visible in commit order (ADR 13), so the cursor never passes an event still to commit.
 * - **Claim.** Due rows are claimed with `FOR UPDATE SKIP LOCKED`, set `delivering` with a
 *   lease; a row whose lease ran out (its node died mid-request) is claimed again. A row is
 *   not claimed while an older row of the same target and resource is pending: per-resource
 *   order.
 * - **Attempt.** Each attempt is logged; 2xx delivers, network errors, timeouts, 5xx and 429
 *   retry with backoff and jitter (never sooner than Retry-After) until 24 h after the first
 *   attempt; other answers and refused URLs fail at once.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/driver-results.js';
import {
  eventLog,
  integrationDeliveries,
  integrationDeliveryAttempts,
  integrationEventCursor,
} from '../../db/schema/index.js';
import type { OutboundClient } from '../../integrations/outbound-http/index.js';
import { OutboundRefusedError } from '../../integrations/outbound-http/index.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { PlanPass, type ClaimedDelivery, type DeliveryTarget, type TargetKind } from './delivery-target.js';
import { MAX_DELIVERY_WINDOW_MS, nextRetryDelayMs, outcomeOf, type LoggedEvent, type RetryPolicy } from './webhooks.js';

export interface OutboxSettings {
  retry: RetryPolicy;
  /** How often the log and the queue are looked at without a nudge. */
  pollIntervalMs: number;
  /** How long a claimed delivery is held before another node may take it over. */
  leaseMs: number;
  /** Deliveries in flight at once on one node. */
  batchSize: number;
  /** The receiver's deadline (the issue: 10 s). */
  timeoutMs: number;
}

export const DEFAULT_OUTBOX_SETTINGS: OutboxSettings = {
  retry: { baseDelayMs: 30_000, maxDelayMs: 3 * 3600_000 },
  pollIntervalMs: 1000,
  leaseMs: 60_000,
  batchSize: 20,
  timeoutMs: 10_000,
};

const EVENTS_PER_ENQUEUE = 500;
/**
 * Passes start at most this often: every event of every node nudges, and at the routing
 * benchmark's rate a pass per nudge was about 60 transactions a second per node, each
 * taking the shared cursor's lock (docs/benchmarks.md, routing pass 6). A nudge inside the
 * gap is served by one pass at its end, so a delivery waits at most this much more.
 */
const MIN_PASS_GAP_MS = 50;
const RESPONSE_EXCERPT_BYTES = 2048;
const MAX_RESPONSE_BYTES = 256 * 1024;

export interface OutboxDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  outbound: OutboundClient;
  targets: readonly DeliveryTarget[];
  settings: OutboxSettings;
}

export class DeliveryOutbox {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private isRerunWanted = false;
  private isStopped = true;
  private lastPassAt = Number.NEGATIVE_INFINITY;
  private gapTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<AbortController>();
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly deps: OutboxDeps) {}

  async start(): Promise<void> {
    await this.deps.db.execute(sql`
      insert into integration_event_cursor (id, last_seq)
      select 1, coalesce(max(seq), 0) from event_log
      on conflict (id) do nothing`);
    this.isStopped = false;
    this.schedule();
  }

  /** Looks at the log and the queue now (an event was published, a delivery was requeued). */
  nudge(): void {
    if (this.isStopped) return;
    if (this.running) {
      this.isRerunWanted = true;
      return;
    }
    const wait = this.lastPassAt + MIN_PASS_GAP_MS - performance.now();
    if (wait > 0) {
      this.gapTimer ??= setTimeout(() => {
        this.gapTimer = undefined;
        this.nudge();
      }, wait);
      return;
    }
    this.lastPassAt = performance.now();
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.isRerunWanted && !this.isStopped) {
        this.isRerunWanted = false;
        this.nudge();
      }
    });
  }

  /** Resolves once the current pass and the attempts it started are over. */
  async settled(): Promise<void> {
    while (this.running || this.active.size > 0 || this.gapTimer) {
      // A pass waiting out the gap has been asked for: it is part of what is under way.
      if (!this.running && this.gapTimer) await new Promise((resolve) => setTimeout(resolve, MIN_PASS_GAP_MS));
      await this.running;
      await Promise.allSettled([...this.active]);
    }
  }

  /**
   * Stops claiming and abandons what is in flight, as a killed process would: those rows stay
   * `delivering` until their lease ends, then any node sends them again (at-least-once).
   */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    for (const controller of this.inFlight) controller.abort();
    await this.running?.catch(() => undefined);
    await Promise.allSettled([...this.active]);
  }

  private schedule(): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      this.nudge();
      this.schedule();
    }, this.deps.settings.pollIntervalMs);
    this.timer.unref();
  }

  /**
   * Enqueues what the log holds, then claims as many due deliveries as there is room for
   * (`batchSize` in flight per node) and sends them without waiting: a slow receiver holds
   * its own requests, not the node's queue.
   */
  private async runOnce(): Promise<void> {
    try {
      while ((await this.enqueueFromLog()) === EVENTS_PER_ENQUEUE && !this.isStopped);
      while (!this.isStopped) {
        const room = this.deps.settings.batchSize - this.active.size;
        if (room <= 0) break;
        const claimed = await this.claim(room);
        for (const delivery of claimed) this.track(delivery);
        if (claimed.length < room) break;
      }
    } catch (error) {
      if (!this.isStopped) this.deps.logger.error({ err: error }, 'delivery pass failed');
    }
  }

  private track(delivery: ClaimedDelivery): void {
    const attempt: Promise<void> = this.attempt(delivery)
      .catch((error: unknown) => {
        if (!this.isStopped) this.deps.logger.error({ err: error, deliveryId: delivery.id }, 'delivery attempt failed');
      })
      .finally(() => {
        this.active.delete(attempt);
        this.nudge();
      });
    this.active.add(attempt);
  }

  /** Turns the next events of the log into deliveries; returns how many events it read. */
  async enqueueFromLog(): Promise<number> {
    return this.deps.db.transaction(async (tx) => {
      const [cursor] = await tx
        .select()
        .from(integrationEventCursor)
        .where(eq(integrationEventCursor.id, 1))
        .for('update');
      if (!cursor) return 0;
      const rows = await tx
        .select({
          seq: eventLog.seq,
          companyId: eventLog.companyId,
          name: eventLog.name,
          data: eventLog.data,
          at: eventLog.createdAt,
        })
        .from(eventLog)
        .where(sql`${eventLog.seq} > ${cursor.lastSeq}`)
        .orderBy(eventLog.seq)
        .limit(EVENTS_PER_ENQUEUE);
      const last = rows[rows.length - 1];
      if (!last) return 0;
      const now = this.deps.clock.now();
      const pass = new PlanPass();
      for (const row of rows) {
        const event: LoggedEvent = { ...row, data: row.data as Record<string, unknown> };
        for (const target of this.deps.targets) {
          const planned = await target.plan(tx, event, pass);
          if (planned.length === 0) continue;
          await tx
            .insert(integrationDeliveries)
            .values(
              planned.map((p) => ({
                id: newId(),
                companyId: event.companyId,
                targetKind: target.kind,
                targetId: p.targetId,
                eventSeq: event.seq,
                eventId: p.eventId,
                eventType: p.eventType,
                orderingKey: p.orderingKey,
                payload: p.payload,
                status: 'pending',
                nextAttemptAt: p.notBefore && p.notBefore > now ? p.notBefore : now,
                createdAt: now,
              })),
            )
            .onConflictDoNothing();
        }
      }
      await tx.update(integrationEventCursor).set({ lastSeq: last.seq }).where(eq(integrationEventCursor.id, 1));
      return rows.length;
    });
  }

  /** Due deliveries this node now holds under lease, oldest first, one per resource. */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const now = this.deps.clock.now();
    const leaseUntil = new Date(now.getTime() + this.deps.settings.leaseMs);
    const giveUpAt = new Date(now.getTime() + MAX_DELIVERY_WINDOW_MS);
    const ids = rowsOf<{ id: string }>(
      await this.deps.db.execute(sql`
        update integration_deliveries d
           set status = 'delivering',
               lease_until = ${leaseUntil.toISOString()}::timestamptz,
               attempt_count = d.attempt_count + 1,
               give_up_at = coalesce(d.give_up_at, ${giveUpAt.toISOString()}::timestamptz)
         where d.id in (
           select c.id from integration_deliveries c
            where ((c.status = 'pending' and c.next_attempt_at <= ${now.toISOString()}::timestamptz)
                or (c.status = 'delivering' and c.lease_until <= ${now.toISOString()}::timestamptz))
              and not exists (
                select 1 from integration_deliveries e
                 where e.target_id = c.target_id and e.ordering_key = c.ordering_key
                   and e.status in ('pending', 'delivering') and e.position < c.position)
            order by c.next_attempt_at, c.position
            limit ${limit}
            for update skip locked)
        returning d.id`),
    ).map((row) => row.id);
    if (ids.length === 0) return [];
    const rows = await this.deps.db.select().from(integrationDeliveries).where(inArray(integrationDeliveries.id, ids));
    return rows.map((row) => ({
      id: row.id,
      companyId: row.companyId,
      targetKind: row.targetKind as TargetKind,
      targetId: row.targetId,
      eventId: row.eventId,
      eventType: row.eventType,
      payload: row.payload as Record<string, unknown>,
      attemptCount: row.attemptCount,
      giveUpAt: row.giveUpAt ?? giveUpAt,
      createdAt: row.createdAt,
    }));
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const target = this.deps.targets.find((t) => t.kind === delivery.targetKind);
    const now = this.deps.clock.now();
    const preparation = target ? await target.prepare(delivery, now) : { skip: 'unknown target' };
    if ('skip' in preparation) {
      await this.record(delivery, now, { status: null, latencyMs: 0, body: null, error: preparation.skip }, 'failed');
      return;
    }
    // Stopping: leave it `delivering`; its lease runs out and any node sends it.
    if (this.isStopped) return;
    const { request } = preparation;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const started = performance.now();
    let result: { status: number | null; latencyMs: number; body: string | null; error: string | null };
    let retryAfter: string | null = null;
    let isRefused = false;
    try {
      const response = await this.deps.outbound.request(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
        timeoutMs: this.deps.settings.timeoutMs,
        maxResponseBytes: MAX_RESPONSE_BYTES,
        maxRedirects: 0,
        ...(request.checkUrl ? { checkUrl: request.checkUrl } : {}),
      });
      retryAfter = response.headers.get('retry-after');
      result = {
        status: response.status,
        latencyMs: Math.round(performance.now() - started),
        body: response.body.subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'),
        error: null,
      };
    } catch (error) {
      // Stopped mid-request: the row stays `delivering` and is retried after its lease.
      if (controller.signal.aborted) return;
      isRefused = error instanceof OutboundRefusedError;
      result = {
        status: null,
        latencyMs: Math.round(performance.now() - started),
        body: null,
        error: describeError(error),
      };
    } finally {
      this.inFlight.delete(controller);
    }
    const at = this.deps.clock.now();
    const outcome = isRefused ? { kind: 'failed' as const } : outcomeOf(result.status, retryAfter, at);
    if (outcome.kind === 'delivered') {
      await this.record(delivery, at, result, 'delivered');
    } else if (outcome.kind === 'failed') {
      await this.record(delivery, at, result, 'failed');
    } else {
      const delayMs = nextRetryDelayMs(delivery.attemptCount, this.deps.settings.retry, outcome.retryAfterMs);
      const nextAt = new Date(at.getTime() + delayMs);
      await this.record(delivery, at, result, nextAt > delivery.giveUpAt ? 'failed' : 'pending', nextAt);
    }
    await target?.afterAttempt?.(delivery, outcome.kind === 'delivered', at);
  }

  private async record(
    delivery: ClaimedDelivery,
    at: Date,
    result: { status: number | null; latencyMs: number; body: string | null; error: string | null },
    status: 'delivered' | 'failed' | 'pending',
    nextAt?: Date,
  ): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      await tx.insert(integrationDeliveryAttempts).values({
        id: newId(),
        deliveryId: delivery.id,
        attemptedAt: at,
        responseStatus: result.status,
        latencyMs: result.latencyMs,
        responseBody: result.body,
        error: result.error,
      });
      await tx
        .update(integrationDeliveries)
        .set({
          status,
          leaseUntil: null,
          nextAttemptAt: status === 'pending' ? (nextAt ?? at) : null,
          deliveredAt: status === 'delivered' ? at : null,
        })
        .where(and(eq(integrationDeliveries.id, delivery.id), eq(integrationDeliveries.status, 'delivering')));
    });
    if (status !== 'pending') {
      this.deps.logger.info(
        { deliveryId: delivery.id, target: delivery.targetKind, status, responseStatus: result.status },
        'delivery finished',
      );
    }
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'request failed';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const cause = (error as { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : '';
  return (code ? `${error.message} (${code})` : error.message).slice(0, 500);
}

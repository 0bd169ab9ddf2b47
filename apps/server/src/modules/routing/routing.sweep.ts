/**
 * The periodic sweep: what no single event triggers. One node a tick takes it (advisory
 * lock of db/leader-lock.ts, then a claim row so nodes with unaligned timers do not sweep
 * twice in an interval); its work then runs outside that lock, each change a locked
 * decision of the engine, so a second sweeper would only find nothing left to do.
 *
 * It expires offers (misses, auto-away), withdraws offers from agents who left, returns
 * a dropped agent's unanswered conversations to the front, overflows items past
 * max_wait_seconds, reports service-level breaches, catches conversations whose event was
 * lost, routes every queue with items waiting (wrap-ups that ended, agents who came back),
 * tells customers their position and publishes queue_stats (at most once a second).
 */
import { runAsLeader } from '../../db/leader-lock.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { ConversationRouter } from './routing.conversations.js';
import { EngineRepository } from './routing.engine-repository.js';
import type { RoutingEngine } from './routing.engine.js';
import type { RoutingEvents } from './routing.events.js';
import { agentStateOf, SERVICE_LEVEL_WINDOW_MS, secondsBetween, type AgentState, type QueueEntry } from './routing.js';

export const SWEEP_JOB = 'routing.sweep';
const BATCH = 100;

export interface SweepDeps {
  engine: RoutingEngine;
  entries: EngineRepository;
  router: ConversationRouter;
  events: RoutingEvents;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  intervalMs: number;
  /** How long an agent may be gone before their unanswered conversations go back (the presence timeout). */
  dropAfterMs: number;
}

export interface SweepResult {
  isLeader: boolean;
  expired: number;
  requeued: number;
  overflowed: number;
  routed: number;
}

export class RoutingSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private isStopped = true;

  constructor(private readonly deps: SweepDeps) {}

  start(): void {
    this.isStopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One tick: sweeps when this node gets the lock and nobody swept within the interval. */
  async tick(): Promise<SweepResult> {
    const now = this.deps.clock.now();
    const run = await runAsLeader(this.deps.entries.db, SWEEP_JOB, (tx) =>
      new EngineRepository(tx).claimSweep(SWEEP_JOB, this.deps.nodeId, now, this.deps.intervalMs / 2),
    );
    if (!run.isLeader || !run.result) return { isLeader: false, expired: 0, requeued: 0, overflowed: 0, routed: 0 };
    return this.sweep();
  }

  async sweep(): Promise<SweepResult> {
    const { engine, entries } = this.deps;
    const now = this.deps.clock.now();
    const expired = await engine.expireOffers(BATCH);
    await engine.withdrawOffersFromUnavailable(BATCH);
    const requeued = await engine.requeueDropped(now, this.deps.dropAfterMs, BATCH);
    await this.endFinished();
    const overflowed = await this.overflow(now);
    for (const entry of await entries.markSlaBreaches(now, BATCH)) {
      const queue = await entries.findQueue(entry.companyId, entry.queueId);
      if (queue) await this.deps.events.serviceLevelBreached(entry, queue.serviceLevelSeconds);
    }
    for (const orphan of await entries.orphanConversations(BATCH)) {
      await this.deps.router.reconcile(orphan.companyId, orphan.conversationId);
    }
    let routed = 0;
    for (const { companyId, queueId } of await entries.queuesWithWaiting()) {
      routed += await engine.routeQueue(companyId, queueId);
      const queue = await entries.findQueue(companyId, queueId);
      if (queue?.announcePosition) await this.deps.router.announcePositions(queue);
    }
    await this.publishStats(new Date(now.getTime() - this.deps.intervalMs * 2));
    if (expired + requeued + overflowed > 0) {
      this.deps.logger.info({ expired, requeued, overflowed, routed }, 'routing swept');
    }
    return { isLeader: true, expired, requeued, overflowed, routed };
  }

  /** Entries whose conversation was closed or taken while no event reached us. */
  private async endFinished(): Promise<void> {
    const { entries, engine } = this.deps;
    const finished = await entries.transaction(async (repo) => [
      ...(await repo.lockFinishedChatAssignments(BATCH)),
      ...(await repo.lockTakenWaitingEntries(BATCH)),
    ]);
    for (const entry of finished) await engine.endEntry(entry.companyId, entry.id, 'reconciled');
  }

  /** Items past max_wait_seconds: to the overflow queue (their first enqueue kept), or voicemail/callback for calls. */
  private async overflow(now: Date): Promise<number> {
    const { entries, engine } = this.deps;
    const moved = await entries.transaction(async (repo) => {
      const overdue = await repo.lockOverdue(now, BATCH);
      const result: { entry: QueueEntry; action: Record<string, unknown> }[] = [];
      for (const entry of overdue) {
        const queue = await repo.findQueue(entry.companyId, entry.queueId);
        const overflow = queue?.overflow;
        if (!overflow || (overflow.action !== 'queue' && entry.channel !== 'voice')) continue;
        const action = overflow.action === 'queue' ? { action: 'queue', queue_id: overflow.queueId } : { ...overflow };
        const waitSeconds = secondsBetween(entry.originalEnqueuedAt, now);
        await repo.updateEntry(entry.id, {
          state: 'overflowed',
          endedAt: now,
          endReason: 'max_wait',
          waitSeconds,
          overflowAction: action,
          updatedAt: now,
        });
        result.push({
          entry: { ...entry, state: 'overflowed', endedAt: now, endReason: 'max_wait', waitSeconds },
          action,
        });
      }
      return result;
    });
    for (const { entry, action } of moved) {
      this.deps.logger.info(
        { companyId: entry.companyId, entryId: entry.id, action: action.action },
        'entry overflowed',
      );
      await this.deps.events.entry('entry.overflowed', entry, now, { reason: 'max_wait', action });
      await engine.notifyOverflowed(entry, action);
      if (action.action === 'queue' && typeof action.queue_id === 'string') {
        await engine.enqueue({
          companyId: entry.companyId,
          queueId: action.queue_id,
          channel: entry.channel,
          conversationId: entry.conversationId ?? undefined,
          callId: entry.callId ?? undefined,
          label: entry.label,
          priority: entry.priority,
          originalEnqueuedAt: entry.originalEnqueuedAt,
          previousEntryId: entry.id,
        });
      }
    }
    return moved.length;
  }

  /** queue_stats for queues with items waiting or recent changes, at most once a second per queue. */
  private async publishStats(changedSince: Date): Promise<void> {
    const { entries } = this.deps;
    for (const { companyId, queueId } of await entries.queuesChangedSince(changedSince)) {
      const now = this.deps.clock.now();
      if (!(await entries.claimStats(queueId, now))) continue;
      const queue = await entries.findQueue(companyId, queueId);
      if (!queue) continue;
      const waiting = await entries.waitingSummary(queueId);
      const agents: Record<AgentState, number> = { available: 0, busy: 0, wrap_up: 0, paused: 0, offline: 0 };
      for (const candidate of await entries.candidates(queueId)) agents[agentStateOf(candidate, now)] += 1;
      const since = new Date(now.getTime() - SERVICE_LEVEL_WINDOW_MS);
      await this.deps.events.stats(companyId, {
        queue_id: queueId,
        waiting: waiting.count,
        longest_wait_seconds: waiting.oldest ? secondsBetween(waiting.oldest, now) : 0,
        agents,
        service_level_30m: await entries.serviceLevelSince(queueId, since, queue.serviceLevelSeconds),
        at: now.toISOString(),
      });
    }
  }

  private schedule(): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'routing sweep failed'))
        .finally(() => this.schedule());
    }, this.deps.intervalMs);
    this.timer.unref();
  }
}

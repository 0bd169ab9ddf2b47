/**
 * Dispositions, reports and the wallboard's snapshot and actions. Reports read stored
 * facts only (reports.ts folds them); actions go to the module that owns the change
 * (presence, auth, routing) through the ports the composition hands in.
 */
import { auditActorOf } from '../audit/index.js';
import type { ReportQuery } from '@switchboard/contracts';
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { buildReport, type ReportKind, type ReportRow } from './reports.js';
import type { Disposition, ItemDisposition, ReportsRepository } from './reports.repository.js';
import { assertTimeZone, bucketStartOf, bucketsBetween } from './reports.time.js';
import { buildWallboard, type Wallboard } from './wallboard.js';

const MAX_RANGE_MS = 93 * 24 * 3_600_000;
const LAST_30_MIN_MS = 30 * 60_000;

export interface SupervisorPorts {
  setStatus(
    companyId: string,
    agentId: string,
    input: { status: 'online' | 'offline' | 'busy' | 'away'; pauseReasonId?: string | undefined },
  ): Promise<void>;
  endAllSessions(companyId: string, userId: string): Promise<void>;
  moveToQueue(actor: Actor, entry: { entryId: string; conversationId: string | null }, queueId: string): Promise<void>;
  moveToAgent(companyId: string, entryId: string, agentId: string): Promise<void>;
}

export interface ReportsServiceDeps {
  repository: ReportsRepository;
  clock: Clock;
  logger: Logger;
  supervisor: SupervisorPorts;
}

function requireManager(actor: Actor): void {
  if (!isManager(actor)) throw new ForbiddenError('auth.forbidden', 'Only supervisors and admins do this.');
}

function requireAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('auth.forbidden', 'Only admins manage dispositions.');
}

/** Supervisor actions that also go to the audit log. */
const AUDITED_ACTIONS: Partial<Record<string, string>> = {
  force_status: 'presence.status_forced',
  sign_out: 'auth.signed_out_by_supervisor',
};

export class ReportsService {
  constructor(private readonly deps: ReportsServiceDeps) {}

  // ── dispositions ──────────────────────────────────────────────────────────

  /** Every role reads the codes (agents choose one at wrap-up). */
  listDispositions(actor: Actor, active?: boolean): Promise<Disposition[]> {
    return this.deps.repository.listDispositions(actor.companyId, active);
  }

  async createDisposition(actor: Actor, input: { code: string; label: string; active: boolean }) {
    requireAdmin(actor);
    await this.assertCodeFree(actor.companyId, input.code);
    const now = this.deps.clock.now();
    return this.deps.repository.insertDisposition({
      id: newId(),
      companyId: actor.companyId,
      code: input.code,
      label: input.label,
      isActive: input.active,
      createdAt: now,
      updatedAt: now,
    });
  }

  async updateDisposition(
    actor: Actor,
    id: string,
    input: { code?: string | undefined; label?: string | undefined; active?: boolean | undefined },
  ) {
    requireAdmin(actor);
    const current = await this.deps.repository.findDisposition(actor.companyId, id);
    if (!current) throw new NotFoundError('disposition.not_found', 'No such disposition.');
    if (input.code !== undefined && input.code !== current.code) await this.assertCodeFree(actor.companyId, input.code);
    const updated = await this.deps.repository.updateDisposition(actor.companyId, id, {
      ...(input.code !== undefined ? { code: input.code } : {}),
      ...(input.label !== undefined ? { label: input.label } : {}),
      ...(input.active !== undefined ? { isActive: input.active } : {}),
      updatedAt: this.deps.clock.now(),
    });
    if (!updated) throw new NotFoundError('disposition.not_found', 'No such disposition.');
    return updated;
  }

  /** Soft: items keep the code and label they were given. */
  async deleteDisposition(actor: Actor, id: string): Promise<void> {
    requireAdmin(actor);
    const now = this.deps.clock.now();
    const deleted = await this.deps.repository.updateDisposition(actor.companyId, id, {
      deletedAt: now,
      updatedAt: now,
    });
    if (!deleted) throw new NotFoundError('disposition.not_found', 'No such disposition.');
  }

  private async assertCodeFree(companyId: string, code: string): Promise<void> {
    if (await this.deps.repository.findDispositionByCode(companyId, code)) {
      throw new ConflictError('disposition.code_taken', `The code ${code} is already in use.`);
    }
  }

  /**
   * The agent who has or had the item (or a manager) gives its disposition; the last one
   * given wins. The queue is the item's latest routed entry.
   */
  async setItemDisposition(
    actor: Actor,
    kind: 'call' | 'conversation',
    itemId: string,
    input: { disposition_id: string; note?: string | undefined },
  ): Promise<ItemDisposition> {
    const notFound = () =>
      new NotFoundError(`${kind}.not_found`, kind === 'call' ? 'No such call.' : 'No such conversation.');
    const item = await this.deps.repository.findRoutedItem(actor.companyId, kind, itemId);
    if (!item) throw notFound();
    const isOwn = item.agentId === actor.userId || item.entryAgentId === actor.userId;
    if (!isManager(actor) && !isOwn) throw notFound();
    const disposition = await this.deps.repository.findDisposition(actor.companyId, input.disposition_id);
    if (!disposition) throw new NotFoundError('disposition.not_found', 'No such disposition.');
    if (!disposition.isActive) {
      throw new ConflictError('disposition.inactive', 'That disposition is no longer offered; choose another.');
    }
    const agentId = isOwn || !(item.entryAgentId ?? item.agentId) ? actor.userId : (item.entryAgentId ?? item.agentId);
    const saved = await this.deps.repository.upsertItemDisposition({
      id: newId(),
      companyId: actor.companyId,
      callId: kind === 'call' ? itemId : null,
      conversationId: kind === 'conversation' ? itemId : null,
      dispositionId: disposition.id,
      code: disposition.code,
      label: disposition.label,
      agentId: agentId ?? actor.userId,
      queueId: item.queueId,
      channel: item.channel,
      note: input.note ?? null,
      setAt: this.deps.clock.now(),
    });
    this.deps.logger.info(
      { companyId: actor.companyId, kind, itemId, code: disposition.code, byUserId: actor.userId },
      'disposition set',
    );
    return saved;
  }

  async getItemDisposition(actor: Actor, kind: 'call' | 'conversation', itemId: string) {
    const item = await this.deps.repository.findRoutedItem(actor.companyId, kind, itemId);
    const isOwn = item && (item.agentId === actor.userId || item.entryAgentId === actor.userId);
    const found =
      item &&
      (isManager(actor) || isOwn) &&
      (await this.deps.repository.findItemDisposition(actor.companyId, kind, itemId));
    if (!found) throw new NotFoundError('disposition.not_found', 'The item has no disposition.');
    return found;
  }

  // ── reports ───────────────────────────────────────────────────────────────

  async report(actor: Actor, kind: ReportKind, query: Omit<ReportQuery, 'format'>) {
    requireManager(actor);
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (!(to > from) || to.getTime() - from.getTime() > MAX_RANGE_MS) {
      throw new ValidationError('report.invalid_range', '`to` must be after `from`, at most 93 days later.', [
        { field: 'querystring.to', message: 'after from, within 93 days' },
      ]);
    }
    const timeZone = query.tz ?? (await this.deps.repository.companyTimeZone(actor.companyId));
    assertTimeZone(timeZone);
    const window = {
      from,
      to,
      timeZone,
      interval: query.interval,
      buckets: bucketsBetween(from, to, timeZone, query.interval),
    };
    const labelId = query.label_id ?? null;
    if (labelId && !(await this.deps.repository.isLabelOfCompany(actor.companyId, labelId))) {
      throw new ValidationError('report.label_not_found', 'No such label.', [
        { field: 'querystring.label_id', message: 'no such label' },
      ]);
    }
    const facts = await this.factsOf(actor.companyId, kind, from, to, labelId);
    const { rows, totals } = buildReport(kind, facts, window);
    return { from, to, timeZone, interval: query.interval, rows, totals };
  }

  /** `labelId`: only items of conversations carrying that label (agents' statuses stay whole). */
  private async factsOf(companyId: string, kind: ReportKind, from: Date, to: Date, labelId: string | null = null) {
    const { repository } = this.deps;
    const [entries, offers, dispositions, statuses] = await Promise.all([
      repository.entryFacts(companyId, from, to, labelId),
      kind === 'agents' ? repository.offerFacts(companyId, from, to, labelId) : Promise.resolve([]),
      repository.dispositionFacts(companyId, from, to, labelId),
      kind === 'agents' ? repository.statusFacts(companyId, from, to) : Promise.resolve([]),
    ]);
    return { entries, offers, dispositions, statuses };
  }

  // ── wallboard ─────────────────────────────────────────────────────────────

  async wallboard(actor: Actor): Promise<Wallboard> {
    requireManager(actor);
    const { repository } = this.deps;
    const now = this.deps.clock.now();
    const timeZone = await repository.companyTimeZone(actor.companyId);
    const dayStart = bucketStartOf(now, timeZone, 'day');
    const end = new Date(now.getTime() + 1);
    const today = { from: dayStart, to: end, timeZone, interval: 'day' as const, buckets: [dayStart] };
    const recent = new Date(now.getTime() - LAST_30_MIN_MS);
    const [queues, waiting, agents, queueFacts, agentFacts] = await Promise.all([
      repository.liveQueues(actor.companyId),
      repository.waitingEntries(actor.companyId),
      repository.boardAgents(actor.companyId),
      this.factsOf(actor.companyId, 'queues', dayStart < recent ? dayStart : recent, end),
      this.factsOf(actor.companyId, 'agents', dayStart, end),
    ]);
    const queueToday = buildReport('queues', queueFacts, today).totals;
    const queueRecent = buildReport('queues', queueFacts, {
      from: recent,
      to: end,
      timeZone,
      interval: 'day',
      buckets: [bucketStartOf(recent, timeZone, 'day')],
    }).totals;
    const agentToday = buildReport('agents', agentFacts, today).totals;
    return buildWallboard({ now, timeZone, queues, waiting, agents, queueToday, queueRecent, agentToday });
  }

  // ── supervisor actions ────────────────────────────────────────────────────

  async forceStatus(
    actor: Actor,
    agentId: string,
    input: { status: 'online' | 'offline' | 'busy' | 'away'; pause_reason_id?: string | undefined; reason: string },
  ): Promise<void> {
    await this.requireBoardAgent(actor, agentId);
    await this.deps.supervisor.setStatus(actor.companyId, agentId, {
      status: input.status,
      pauseReasonId: input.pause_reason_id,
    });
    await this.log(actor, 'force_status', {
      targetUserId: agentId,
      reason: input.reason,
      details: { status: input.status, pause_reason_id: input.pause_reason_id ?? null },
    });
  }

  async signOut(actor: Actor, agentId: string, reason: string): Promise<void> {
    await this.requireBoardAgent(actor, agentId);
    if (agentId === actor.userId) throw new ConflictError('supervisor.self', 'Use log out everywhere for yourself.');
    await this.deps.supervisor.endAllSessions(actor.companyId, agentId);
    await this.deps.supervisor.setStatus(actor.companyId, agentId, { status: 'offline' });
    await this.log(actor, 'sign_out', { targetUserId: agentId, reason });
  }

  async moveEntry(
    actor: Actor,
    entryId: string,
    input: { queue_id?: string | undefined; agent_id?: string | undefined; reason?: string | undefined },
  ): Promise<void> {
    requireManager(actor);
    const entry = await this.deps.repository.findLiveEntry(actor.companyId, entryId);
    if (!entry) throw new NotFoundError('entry.not_found', 'No such waiting item.');
    if (input.queue_id !== undefined) {
      await this.deps.supervisor.moveToQueue(actor, entry, input.queue_id);
    } else if (input.agent_id !== undefined) {
      await this.requireBoardAgent(actor, input.agent_id);
      await this.deps.supervisor.moveToAgent(actor.companyId, entryId, input.agent_id);
    }
    await this.log(actor, input.queue_id !== undefined ? 'move_to_queue' : 'move_to_agent', {
      entryId,
      targetUserId: input.agent_id ?? null,
      reason: input.reason ?? null,
      details: { queue_id: input.queue_id ?? null, from_queue_id: entry.queueId },
    });
  }

  async listActions(actor: Actor, limit: number) {
    requireManager(actor);
    return this.deps.repository.listActions(actor.companyId, limit);
  }

  private async requireBoardAgent(actor: Actor, agentId: string): Promise<void> {
    requireManager(actor);
    const agents = await this.deps.repository.boardAgents(actor.companyId);
    if (!agents.some((a) => a.agentId === agentId)) throw new NotFoundError('user.not_found', 'No such agent.');
  }

  private async log(
    actor: Actor,
    action: string,
    input: {
      targetUserId?: string | null;
      entryId?: string;
      reason?: string | null;
      details?: Record<string, unknown>;
    },
  ): Promise<void> {
    const audited = AUDITED_ACTIONS[action];
    const audit = audited
      ? {
          companyId: actor.companyId,
          actor: auditActorOf(actor),
          action: audited,
          target: { type: 'user', id: input.targetUserId ?? actor.userId },
          details: { ...input.details },
        }
      : undefined;
    await this.deps.repository.recordAction(
      {
        id: newId(),
        companyId: actor.companyId,
        actorId: actor.userId,
        action,
        targetUserId: input.targetUserId ?? null,
        entryId: input.entryId ?? null,
        reason: input.reason ?? null,
        details: input.details ?? {},
        at: this.deps.clock.now(),
      },
      audit,
    );
    this.deps.logger.info(
      {
        companyId: actor.companyId,
        byUserId: actor.userId,
        action,
        agentId: input.targetUserId,
        entryId: input.entryId,
        reason: input.reason,
      },
      'supervisor action',
    );
  }
}

export type { ReportRow };

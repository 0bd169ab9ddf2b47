/**
 * Routing's use cases over HTTP: queues and their members, skills and capacity, pause
 * reasons, where channels send their conversations, the entries of a queue, an agent's
 * offers. Admins manage; supervisors read; agents read the queues they serve and answer
 * their own offers.
 */
import type { CreateQueueBody, UpdateQueueBody } from '@switchboard/contracts';
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { isUniqueViolation } from '../../db/driver-results.js';
import type { EntryMenuJson } from '../../db/schema/routing.js';
import type { EngineRepository } from './routing.engine-repository.js';
import type { RoutingEngine } from './routing.engine.js';
import type { RoutingRepository, RoutingSettings } from './routing.repository.js';
import type { Offer, Queue, QueueEntry, RoutingChannel } from './routing.js';

export const QUEUE_NOT_FOUND = 'queue.not_found';

export interface RoutingServiceDeps {
  repository: RoutingRepository;
  entries: EngineRepository;
  engine: RoutingEngine;
  clock: Clock;
  logger: Logger;
}

/** `ring_all` rings every eligible agent's phone: a queue without calls has nothing to ring. */
function ringAllNeedsVoice(field: 'body.strategy' | 'body.channels'): UnprocessableError {
  return new UnprocessableError('queue.ring_all_needs_voice', 'The ring_all strategy needs the voice channel.', [
    {
      field,
      message:
        field === 'body.strategy'
          ? 'ring_all is for queues with the voice channel'
          : 'a ring_all queue must keep the voice channel',
    },
  ]);
}

function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('auth.forbidden', 'Only administrators may change routing.');
}

export class RoutingService {
  constructor(private readonly deps: RoutingServiceDeps) {}

  // ── queues ────────────────────────────────────────────────────────────────

  /** Managers see every queue; agents the queues they serve. */
  async listQueues(actor: Actor): Promise<Queue[]> {
    const all = await this.deps.repository.listQueues(actor.companyId);
    return isManager(actor) ? all : all.filter((q) => q.members.some((m) => m.userId === actor.userId));
  }

  async getQueue(actor: Actor, queueId: string): Promise<Queue> {
    const queue = await this.deps.repository.findQueue(actor.companyId, queueId);
    if (!queue || !(isManager(actor) || queue.members.some((m) => m.userId === actor.userId))) {
      throw new NotFoundError(QUEUE_NOT_FOUND, 'No such queue.');
    }
    return queue;
  }

  async createQueue(actor: Actor, input: CreateQueueBody): Promise<Queue> {
    assertAdmin(actor);
    if (input.strategy === 'ring_all' && !input.channels.includes('voice')) throw ringAllNeedsVoice('body.strategy');
    const id = newId();
    await this.assertOverflowTarget(actor, id, input.overflow);
    const now = this.deps.clock.now();
    await this.unique(() =>
      this.deps.repository.insertQueue({
        id,
        companyId: actor.companyId,
        name: input.name,
        channels: [...new Set(input.channels)],
        strategy: input.strategy,
        offerMode: input.offer_mode,
        offerTimeoutSeconds: input.offer_timeout_seconds,
        requiredSkills: normalizeSkills(input.required_skills),
        priority: input.priority,
        serviceLevelSeconds: input.service_level_seconds,
        serviceLevelTarget: input.service_level_target,
        maxWaitSeconds: input.max_wait_seconds,
        overflow: input.overflow,
        wrapUpSeconds: input.wrap_up_seconds,
        announcePosition: input.announce_position,
        businessHours: input.business_hours,
        createdAt: now,
        updatedAt: now,
      }),
    );
    this.deps.logger.info({ companyId: actor.companyId, queueId: id, byUserId: actor.userId }, 'queue created');
    return this.getQueue(actor, id);
  }

  async updateQueue(actor: Actor, queueId: string, input: UpdateQueueBody): Promise<Queue> {
    assertAdmin(actor);
    await this.getQueue(actor, queueId);
    if (input.strategy === 'ring_all' && input.channels && !input.channels.includes('voice')) {
      throw ringAllNeedsVoice('body.strategy');
    }
    if (input.overflow !== undefined) await this.assertOverflowTarget(actor, queueId, input.overflow);
    const now = this.deps.clock.now();
    let isUpdated = true;
    await this.unique(async () => {
      isUpdated = await this.deps.repository.updateQueue(actor.companyId, queueId, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.channels !== undefined ? { channels: [...new Set(input.channels)] } : {}),
        ...(input.strategy !== undefined ? { strategy: input.strategy } : {}),
        ...(input.offer_mode !== undefined ? { offerMode: input.offer_mode } : {}),
        ...(input.offer_timeout_seconds !== undefined ? { offerTimeoutSeconds: input.offer_timeout_seconds } : {}),
        ...(input.required_skills !== undefined ? { requiredSkills: normalizeSkills(input.required_skills) } : {}),
        ...(input.priority !== undefined ? { priority: input.priority } : {}),
        ...(input.service_level_seconds !== undefined ? { serviceLevelSeconds: input.service_level_seconds } : {}),
        ...(input.service_level_target !== undefined ? { serviceLevelTarget: input.service_level_target } : {}),
        ...(input.max_wait_seconds !== undefined ? { maxWaitSeconds: input.max_wait_seconds } : {}),
        ...(input.overflow !== undefined ? { overflow: input.overflow } : {}),
        ...(input.wrap_up_seconds !== undefined ? { wrapUpSeconds: input.wrap_up_seconds } : {}),
        ...(input.announce_position !== undefined ? { announcePosition: input.announce_position } : {}),
        ...(input.business_hours !== undefined ? { businessHours: input.business_hours } : {}),
        updatedAt: now,
      });
    });
    // Only the ring_all guard stops an update of a queue that exists (getQueue above; queues are soft-deleted).
    if (!isUpdated) throw ringAllNeedsVoice(input.strategy !== undefined ? 'body.strategy' : 'body.channels');
    this.deps.logger.info({ companyId: actor.companyId, queueId, byUserId: actor.userId }, 'queue updated');
    await this.deps.engine.routeQueue(actor.companyId, queueId);
    return this.getQueue(actor, queueId);
  }

  /** A queue with items in it, or that another queue or a channel sends to, stays. Its history stays too. */
  async deleteQueue(actor: Actor, queueId: string): Promise<void> {
    assertAdmin(actor);
    await this.getQueue(actor, queueId);
    const waiting = await this.deps.entries.listWaiting(actor.companyId, queueId, 1);
    const assigned = await this.deps.entries.listEntries(actor.companyId, queueId, 'assigned', 1);
    const offered = await this.deps.entries.listEntries(actor.companyId, queueId, 'offered', 1);
    if (waiting.length + assigned.length + offered.length > 0) {
      throw new ConflictError('queue.not_empty', 'The queue has items in it; move or finish them first.');
    }
    if ((await this.deps.repository.queueReferences(actor.companyId, queueId)) > 0) {
      throw new ConflictError('queue.in_use', 'Another queue overflows to it or a channel sends to it.');
    }
    const now = this.deps.clock.now();
    await this.deps.repository.updateQueue(actor.companyId, queueId, { deletedAt: now, updatedAt: now });
    this.deps.logger.info({ companyId: actor.companyId, queueId, byUserId: actor.userId }, 'queue deleted');
  }

  async putMembers(actor: Actor, queueId: string, members: { user_id: string; priority: number }[]): Promise<Queue> {
    assertAdmin(actor);
    await this.getQueue(actor, queueId);
    const ids = [...new Set(members.map((m) => m.user_id))];
    if (ids.length !== members.length) {
      throw new ValidationError('request.invalid', 'Each user may be a member once.', [
        { field: 'body', message: 'duplicate user_id' },
      ]);
    }
    const active = await this.deps.repository.activeUsers(actor.companyId, ids);
    const unknown = ids.filter((id) => !active.has(id));
    if (unknown.length > 0) throw new NotFoundError('user.not_found', `No such active user: ${unknown.join(', ')}.`);
    const now = this.deps.clock.now();
    await this.deps.repository.transaction((repo) =>
      repo.replaceMembers(
        actor.companyId,
        queueId,
        members.map((m) => ({ userId: m.user_id, priority: m.priority })),
        now,
      ),
    );
    this.deps.logger.info({ companyId: actor.companyId, queueId, members: ids.length }, 'queue members set');
    await this.deps.engine.routeQueue(actor.companyId, queueId);
    return this.getQueue(actor, queueId);
  }

  async listEntries(actor: Actor, queueId: string, state: QueueEntry['state'], limit: number) {
    await this.getQueue(actor, queueId);
    const entries = await this.deps.entries.listEntries(actor.companyId, queueId, state, limit);
    return { entries, isWaitingList: state === 'waiting', now: this.deps.clock.now() };
  }

  // ── agents ────────────────────────────────────────────────────────────────

  async getProfile(actor: Actor, userId: string) {
    if (!isManager(actor) && actor.userId !== userId) throw new NotFoundError('user.not_found', 'No such user.');
    if (!(await this.deps.repository.findUser(actor.companyId, userId))) {
      throw new NotFoundError('user.not_found', 'No such user.');
    }
    return this.deps.repository.findProfile(actor.companyId, userId);
  }

  async putSkills(actor: Actor, userId: string, skills: { name: string; level: number }[]) {
    assertAdmin(actor);
    await this.getProfile(actor, userId);
    const byName = new Map(skills.map((s) => [s.name.trim().toLowerCase(), s.level]));
    await this.deps.repository.transaction((repo) =>
      repo.replaceSkills(
        actor.companyId,
        userId,
        [...byName].map(([name, level]) => ({ name, level })),
      ),
    );
    this.deps.logger.info({ companyId: actor.companyId, userId, skills: byName.size }, 'skills set');
    await this.deps.engine.routeAgentQueues(actor.companyId, userId);
    return this.deps.repository.findProfile(actor.companyId, userId);
  }

  async setCapacity(
    actor: Actor,
    userId: string,
    capacity: { whatsapp?: number | undefined; webchat?: number | undefined },
  ) {
    assertAdmin(actor);
    await this.getProfile(actor, userId);
    await this.deps.repository.setCapacity(actor.companyId, userId, capacity, this.deps.clock.now());
    this.deps.logger.info({ companyId: actor.companyId, userId, ...capacity }, 'capacity set');
    await this.deps.engine.routeAgentQueues(actor.companyId, userId);
    return this.deps.repository.findProfile(actor.companyId, userId);
  }

  // ── pause reasons ─────────────────────────────────────────────────────────

  listPauseReasons(actor: Actor) {
    return this.deps.repository.listPauseReasons(actor.companyId);
  }

  async createPauseReason(actor: Actor, name: string) {
    assertAdmin(actor);
    const id = newId();
    const now = this.deps.clock.now();
    await this.unique(
      () => this.deps.repository.insertPauseReason({ id, companyId: actor.companyId, name, createdAt: now }),
      'pause_reason.name_taken',
    );
    return { id, name, createdAt: now };
  }

  async deletePauseReason(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor);
    if (!(await this.deps.repository.deletePauseReason(actor.companyId, id, this.deps.clock.now()))) {
      throw new NotFoundError('pause_reason.not_found', 'No such pause reason.');
    }
  }

  // ── channels and settings ─────────────────────────────────────────────────

  async getChannelRouting(actor: Actor, channel: RoutingChannel) {
    if (!isManager(actor)) throw new ForbiddenError('auth.forbidden', 'Only managers read routing configuration.');
    const point = await this.deps.repository.findEntryPoint(actor.companyId, channel);
    return point ?? { channel, defaultQueueId: null, menu: null, updatedAt: null };
  }

  async setChannelRouting(
    actor: Actor,
    channel: RoutingChannel,
    input: { defaultQueueId: string | null; menu: EntryMenuJson | null },
  ) {
    assertAdmin(actor);
    const queueIds = [
      ...(input.defaultQueueId ? [input.defaultQueueId] : []),
      ...(input.menu?.options.map((o) => o.queue_id) ?? []),
    ];
    const known = await this.deps.repository.existingQueueIds(actor.companyId, queueIds);
    if (queueIds.some((id) => !known.has(id))) throw new NotFoundError(QUEUE_NOT_FOUND, 'No such queue.');
    const keys = input.menu?.options.map((o) => o.key) ?? [];
    if (new Set(keys).size !== keys.length) {
      throw new ValidationError('request.invalid', 'Each menu key may appear once.', [
        { field: 'body.menu.options', message: 'duplicate key' },
      ]);
    }
    await this.deps.repository.saveEntryPoint(actor.companyId, channel, input, this.deps.clock.now());
    this.deps.logger.info(
      { companyId: actor.companyId, channel, queueId: input.defaultQueueId },
      'channel routing set',
    );
    return this.getChannelRouting(actor, channel);
  }

  async getSettings(actor: Actor): Promise<RoutingSettings> {
    return this.deps.repository.findSettings(actor.companyId);
  }

  async setSettings(actor: Actor, settings: RoutingSettings): Promise<RoutingSettings> {
    assertAdmin(actor);
    await this.deps.repository.saveSettings(actor.companyId, settings, this.deps.clock.now());
    return this.getSettings(actor);
  }

  // ── offers ────────────────────────────────────────────────────────────────

  /** The caller's wrap-up under way, by the server's clock (a reloaded console shows it again). */
  async myWrapUp(actor: Actor) {
    return this.deps.repository.findWrapUp(actor.companyId, actor.userId, this.deps.clock.now());
  }

  async listMyOffers(actor: Actor) {
    return this.deps.entries.liveOffersOf(actor.companyId, actor.userId);
  }

  acceptOffer(actor: Actor, offerId: string): Promise<Offer> {
    return this.deps.engine.acceptOffer(actor, offerId);
  }

  rejectOffer(actor: Actor, offerId: string): Promise<Offer> {
    return this.deps.engine.rejectOffer(actor, offerId);
  }

  private async assertOverflowTarget(
    actor: Actor,
    queueId: string,
    overflow: { action: string; queue_id?: string } | null,
  ): Promise<void> {
    if (overflow?.action !== 'queue' || !overflow.queue_id) return;
    if (overflow.queue_id === queueId) {
      throw new ValidationError('queue.overflow_to_self', 'A queue cannot overflow to itself.', [
        { field: 'body.overflow.queue_id', message: 'must be another queue' },
      ]);
    }
    if (!(await this.deps.repository.findQueue(actor.companyId, overflow.queue_id))) {
      throw new NotFoundError(QUEUE_NOT_FOUND, 'No such overflow queue.');
    }
  }

  private async unique(write: () => Promise<void>, code = 'queue.name_taken'): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(code, 'The name is already in use.');
      throw error;
    }
  }
}

function normalizeSkills(skills: { name: string; min_level: number }[]) {
  return skills.map((s) => ({ name: s.name.trim().toLowerCase(), min_level: s.min_level }));
}

/**
 * The routing engine: every decision that gives work to an agent. Each is one PostgreSQL
 * transaction that locks the entry (`FOR UPDATE SKIP LOCKED`: another node deciding on it
 * is skipped, not waited for), then the chosen agent's routing row (skipped the same way
 * when another decision holds the agent), re-reads the agent's load under that lock, and
 * then writes the entry, the offer or the conversation's assignee. Two nodes therefore
 * never offer or assign the same item twice, nor overfill an agent; the partial unique
 * indexes of db/schema/routing.ts hold the same line if code goes wrong. A decision's own
 * events are appended as its transaction's last statement when the bus is free (ADR 34),
 * else after commit; the voice side's listeners run after commit (ADR 10, ADR 19).
 * Every transaction that gives or takes work is here, past the usual file length, so the
 * exactly-once argument is reviewed in one place.
 */
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { ArrivalRow, DecisionInputs, EngineRepository } from './routing.engine-repository.js';
import type { DomainEvent } from '../../shared/events.js';
import { entryEvent, offerEvent, type RoutingEvents } from './routing.events.js';
import type { ConversationsPort, PresencePort, RoutingListener } from './routing.ports.js';
import {
  hasRoom,
  MAX_MISSED_OFFERS,
  orderCandidates,
  secondsBetween,
  type Offer,
  type Queue,
  type QueueEntry,
  type RoutingChannel,
} from './routing.js';

/** Decisions one call of routeQueue makes at most before yielding (the next trigger or sweep goes on). */
const MAX_DECISIONS_PER_RUN = 200;
/** Waiting entries locked and decided per transaction (the head may need a channel nobody has room for). */
const ENTRIES_PER_DECISION = 10;
export const MISSED_OFFERS_REASON = 'missed_offers';

type Decision =
  | { kind: 'assigned'; entry: QueueEntry; queue: Queue; previousAssigneeId: string | null }
  | { kind: 'offered'; entry: QueueEntry; queue: Queue; offers: Offer[] }
  | { kind: 'gone'; entry: QueueEntry };
/** A committed decision; `isPublished`: its events were appended in its transaction (ADR 34). */
type Decided = Decision & { isPublished: boolean };

export interface EnqueueInput {
  companyId: string;
  queueId: string;
  channel: RoutingChannel;
  conversationId?: string | undefined;
  callId?: string | undefined;
  label?: string | null | undefined;
  priority?: number | undefined;
  originalEnqueuedAt?: Date | undefined;
  previousEntryId?: string | undefined;
  /** Closed hours: stored as already overflowed with this action, never routed. */
  closedAction?: Record<string, unknown> | undefined;
  /**
   * A change that commits with the entry, run in the arrival's transaction before the
   * entry is written (a transfer releases the conversation from its agent here, so no
   * moment exists where it waits with no entry; a queue call's record is written here).
   * Run again if that transaction fails and the entry is then written alone. The events it
   * returns announce that change: they come before the entry's own, appended in the same
   * transaction when the bus is free (ADR 34), otherwise published once it commits.
   */
  prepare?: ((scope: object) => Promise<readonly DomainEvent[] | void>) | undefined;
}

type EntryRow = Parameters<EngineRepository['insertEntry']>[0];

function arrivalRowOf(row: EntryRow): ArrivalRow {
  return {
    id: row.id,
    companyId: row.companyId,
    queueId: row.queueId,
    channel: row.channel,
    callId: row.callId ?? null,
    conversationId: row.conversationId ?? null,
    label: row.label ?? null,
    priority: row.priority ?? 0,
    enqueuedAt: row.enqueuedAt,
    originalEnqueuedAt: row.originalEnqueuedAt,
    previousEntryId: row.previousEntryId ?? null,
    updatedAt: row.updatedAt,
  };
}

/** DECISION_READ's order: priority, then returned to the front, then the longest waiting. */
function inRoutingOrder(a: QueueEntry, b: QueueEntry): number {
  return (
    b.priority - a.priority ||
    Number(b.isFront) - Number(a.isFront) ||
    a.enqueuedAt.getTime() - b.enqueuedAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** An open item on its way in: inserted by the first decision of its queue's run. */
interface Arrival {
  row: EntryRow;
  prepare: EnqueueInput['prepare'];
  now: Date;
  /** What `prepare` returned in the transaction that carries the arrival. */
  prepared: readonly DomainEvent[];
  entry: QueueEntry | undefined;
  created: Promise<void> | undefined;
}

export interface RoutingEngineDeps {
  repository: EngineRepository;
  conversations: ConversationsPort;
  presence: PresencePort;
  events: RoutingEvents;
  clock: Clock;
  logger: Logger;
}

export class RoutingEngine {
  private readonly listeners: RoutingListener[] = [];
  private readonly runs = new Map<string, { isRerunAsked: boolean; done: Promise<number> }>();

  constructor(private readonly deps: RoutingEngineDeps) {}

  /** The voice side (and tests) hear each decision after it commits. */
  addListener(listener: RoutingListener): void {
    this.listeners.push(listener);
  }

  // ── arrival ───────────────────────────────────────────────────────────────

  /** Puts an item in a queue and routes it; undefined when it already has a live entry. */
  async enqueue(input: EnqueueInput): Promise<QueueEntry | undefined> {
    const now = this.deps.clock.now();
    const isClosed = input.closedAction !== undefined;
    const row: EntryRow = {
      id: newId(),
      companyId: input.companyId,
      queueId: input.queueId,
      channel: input.channel,
      conversationId: input.conversationId ?? null,
      callId: input.callId ?? null,
      label: input.label?.slice(0, 120) ?? null,
      priority: input.priority ?? 0,
      enqueuedAt: now,
      originalEnqueuedAt: input.originalEnqueuedAt ?? now,
      previousEntryId: input.previousEntryId ?? null,
      state: isClosed ? 'overflowed' : 'waiting',
      ...(isClosed ? { endedAt: now, endReason: 'closed', waitSeconds: 0, overflowAction: input.closedAction } : {}),
      updatedAt: now,
    };
    const { conversationId } = row;
    if (!isClosed) return this.arrive(row, input.prepare, now);
    const { prepare } = input;
    if (prepare) {
      const prepared = await this.deps.repository.transaction((repo) => prepare(repo.db));
      void this.publishInOrder(prepared ?? []);
    }
    const entry =
      typeof conversationId === 'string'
        ? await this.deps.repository.insertClosedConversationEntry({ ...row, conversationId })
        : await this.deps.repository.insertEntry(row);
    if (!entry) return undefined;
    this.logEnqueued(entry, true);
    await this.deps.events.entry('queue_entry.created', entry, now);
    await this.deps.events.entry('entry.overflowed', entry, now, { reason: 'closed', action: input.closedAction });
    await this.notify((l) => l.overflowed?.(entry, input.closedAction ?? {}));
    return entry;
  }

  /**
   * An open item: written in the first decision's transaction of a run of its queue, so
   * the arrival and its routing share one commit. When this node is routing the queue
   * already, the entry is written alone and that run goes round once more.
   */
  private async arrive(row: EntryRow, prepare: EnqueueInput['prepare'], now: Date): Promise<QueueEntry | undefined> {
    if (this.runs.has(row.queueId)) {
      const { entry, prepared } = await this.insertAlone(row, prepare);
      if (!entry) {
        await prepared;
        return undefined;
      }
      this.logEnqueued(entry, false);
      // Routing starts without waiting for the event: the bus appends it before the decision's.
      const created = this.deps.events.entry('queue_entry.created', entry, now);
      await Promise.all([prepared, created, this.routeQueue(entry.companyId, entry.queueId, true)]);
      return entry;
    }
    const arrival: Arrival = { row, prepare, now, prepared: [], entry: undefined, created: undefined };
    await this.routeQueue(row.companyId, row.queueId, true, arrival);
    await arrival.created;
    return arrival.entry;
  }

  /**
   * The entry (and what must commit with it) in a transaction of its own, not routed here;
   * `prepare`'s events are published once it commits, before anything about the entry.
   */
  private async insertAlone(
    row: EntryRow,
    prepare: EnqueueInput['prepare'],
  ): Promise<{ entry: QueueEntry | undefined; prepared: Promise<void> }> {
    if (!prepare) return { entry: await this.deps.repository.insertEntry(row), prepared: Promise.resolve() };
    const { entry, events } = await this.deps.repository.transaction(async (repo) => {
      const prepared = await prepare(repo.db);
      return { entry: await repo.insertEntry(row), events: prepared ?? [] };
    });
    return { entry, prepared: this.publishInOrder(events) };
  }

  /** Published now, appended by the bus in this order (and before whatever is published next). */
  private async publishInOrder(events: readonly DomainEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.deps.events.publishBuilt(event)));
  }

  private logEnqueued(entry: QueueEntry, isClosed: boolean): void {
    this.deps.logger.info(
      { companyId: entry.companyId, queueId: entry.queueId, entryId: entry.id, channel: entry.channel, isClosed },
      'item enqueued',
    );
  }

  // ── decisions ─────────────────────────────────────────────────────────────

  /**
   * Routes the queue's waiting items while an eligible agent is found; returns how many
   * decisions. One run per queue at a time on this node: a trigger that arrives during a
   * run asks for one more pass instead of racing it (a burst of arrivals is one loop, not
   * a herd of transactions skipping each other's rows). `isWaitingKnown`: the caller just
   * put an entry in the queue, so the first pass skips its look for one.
   */
  routeQueue(companyId: string, queueId: string, isWaitingKnown = false, arrival?: Arrival): Promise<number> {
    const current = this.runs.get(queueId);
    if (current) {
      current.isRerunAsked = true;
      return current.done;
    }
    const run = { isRerunAsked: false, done: Promise.resolve(0) };
    run.done = (async () => {
      // A pass asked for during this one starts at once, not after this one's events.
      const announced: Promise<void>[] = [];
      try {
        let isFirstKnown = isWaitingKnown;
        let firstArrival = arrival;
        do {
          run.isRerunAsked = false;
          await this.routeOnce(companyId, queueId, announced, isFirstKnown, firstArrival);
          isFirstKnown = false;
          firstArrival = undefined;
        } while (run.isRerunAsked);
      } finally {
        this.runs.delete(queueId);
      }
      await Promise.all(announced);
      return announced.length;
    })();
    this.runs.set(queueId, run);
    return run.done;
  }

  private async routeOnce(
    companyId: string,
    queueId: string,
    announced: Promise<void>[],
    isWaitingKnown: boolean,
    arrival: Arrival | undefined,
  ): Promise<void> {
    // The next decision does not wait for the last one's events: the bus keeps their order.
    for (let made = 0; made < MAX_DECISIONS_PER_RUN;) {
      const first = made === 0;
      const decisions = await this.decideBatch(
        companyId,
        queueId,
        isWaitingKnown && first,
        first ? arrival : undefined,
      );
      if (decisions.length === 0) return;
      made += decisions.length;
      for (const decision of decisions) announced.push(this.announce(decision));
    }
  }

  /**
   * One transaction: locks the queue's next waiting entries (SKIP LOCKED) and reads the
   * members once, then gives each entry, in routing order, to the first candidate whose
   * routing row it can lock with room under that lock. Loads are counted in memory as it
   * goes, for the order only; the lock and the re-read load decide. A batch costs one
   * read (the queue, the entries and the candidates in one statement) and one commit for up
   * to ENTRIES_PER_DECISION decisions. An `arrival` is inserted first in the same
   * transaction (its `queue_entry.created` is published once that commits, before any
   * decision's events); nothing is decided when it already had a live entry.
   */
  private async decideBatch(
    companyId: string,
    queueId: string,
    isWaitingKnown: boolean,
    arrival?: Arrival,
  ): Promise<Decided[]> {
    // Most runs find nothing (a trigger for a queue another pass or node already served):
    // one read, not a transaction of three round trips. An entry committed after this read
    // routes its queue itself (enqueue, or the answer that put it back), so none is missed.
    // An arrival knows its own entry waits: it skips the look.
    if (!isWaitingKnown && !(await this.deps.repository.hasWaiting(queueId))) return [];
    const now = this.deps.clock.now();
    const decided = await this.decideInTransaction(companyId, queueId, now, arrival).catch(async (error: unknown) => {
      // The arrival is not lost with a decision that failed: written alone, as before this
      // transaction carried it; the error goes on, and the sweep routes the entry.
      if (arrival && !arrival.created) {
        const alone = await this.insertAlone(arrival.row, arrival.prepare);
        arrival.entry = alone.entry;
        arrival.created = alone.prepared;
        if (alone.entry) this.publishArrival(arrival, alone.entry, false);
      }
      throw error;
    });
    if (arrival && !decided.isPublished) arrival.created = this.publishInOrder(arrival.prepared);
    if (arrival?.entry) this.publishArrival(arrival, arrival.entry, decided.isPublished);
    return decided.decisions.map((decision) => ({ ...decision, isPublished: decided.isPublished }));
  }

  /** `arrival.created`: what was published about it before (its `prepare`'s events), if anything. */
  private publishArrival(arrival: Arrival, entry: QueueEntry, isPublished: boolean): void {
    this.logEnqueued(entry, false);
    if (isPublished) return;
    const created = this.deps.events.entry('queue_entry.created', entry, arrival.now);
    arrival.created = Promise.all([arrival.created, created]).then(() => undefined);
  }

  /**
   * The decisions and, as the transaction's last statement, their events (and the
   * arrival's), when the bus can append them at once (ADR 34): one commit for both.
   */
  private decideInTransaction(companyId: string, queueId: string, now: Date, arrival: Arrival | undefined) {
    return this.deps.events.withinTransaction((append) =>
      this.deps.repository.transaction(async (repo) => {
        const decisions = await this.decide(repo, companyId, queueId, now, arrival);
        const events = [
          ...(arrival?.prepared ?? []),
          ...(arrival?.entry ? [entryEvent('queue_entry.created', arrival.entry, arrival.now)] : []),
          ...decisions.flatMap((decision) => this.eventsOf(decision, now)),
        ];
        const isPublished = events.length > 0 && (await append(repo.db, events));
        return { decisions, isPublished };
      }),
    );
  }

  private async decide(
    repo: EngineRepository,
    companyId: string,
    queueId: string,
    now: Date,
    arrival: Arrival | undefined,
  ): Promise<Decision[]> {
    let read: DecisionInputs;
    if (arrival) {
      arrival.prepared = (await arrival.prepare?.(repo.db)) ?? [];
      // The arrival's insert and the read in one statement; the read does not see the new row.
      const withArrival = await repo.readForDecisionWithArrival(arrivalRowOf(arrival.row), ENTRIES_PER_DECISION, now);
      arrival.entry = withArrival.arrival;
      if (!arrival.entry) return [];
      const entries = [...withArrival.entries, arrival.entry].sort(inRoutingOrder).slice(0, ENTRIES_PER_DECISION);
      read = { ...withArrival, entries };
    } else {
      read = await repo.readForDecision(companyId, queueId, ENTRIES_PER_DECISION, now);
    }
    const { entries, candidates } = read;
    let { queue } = read;
    if (!queue || entries.length === 0) return [];
    const decisions: Decision[] = [];
    for (const entry of entries) {
      const ordered = orderCandidates(queue, entry, candidates, now);
      const isRingAll = queue.strategy === 'ring_all' && entry.channel === 'voice';
      const chosen: string[] = [];
      for (const candidate of ordered) {
        const agent = await repo.lockAgent(candidate.agentId);
        if (!agent || !hasRoom(entry.channel, agent.capacity, agent.load)) continue;
        chosen.push(candidate.agentId);
        if (!isRingAll) break;
      }
      const [first] = chosen;
      if (first === undefined) continue;
      if (queue.strategy === 'round_robin') {
        await repo.setLastChosen(queueId, first);
        queue = { ...queue, lastChosenAgentId: first };
      }
      const decision =
        queue.offerMode === 'auto' && !isRingAll
          ? await this.assign(repo, queue, entry, first, now)
          : await this.offer(repo, queue, entry, chosen, isRingAll, now);
      decisions.push(decision);
      if (decision.kind === 'gone') continue;
      for (const candidate of candidates) {
        if (chosen.includes(candidate.agentId)) candidate.load[entry.channel] += 1;
      }
    }
    return decisions;
  }

  /** The events a decision announces, in order: the entry's (or each offer's). */
  private eventsOf(decision: Decision, now: Date): DomainEvent[] {
    const { entry } = decision;
    switch (decision.kind) {
      case 'assigned':
        return [
          entryEvent('entry.assigned', entry, now, { agent_id: entry.assignedTo, queue_name: decision.queue.name }),
        ];
      case 'offered':
        return decision.offers.map((offer) =>
          offerEvent('offer.created', offer, entry, { queueName: decision.queue.name }),
        );
      case 'gone':
        return [entryEvent('entry.completed', entry, now, { reason: 'gone' })];
    }
  }

  private async assign(
    repo: EngineRepository,
    queue: Queue,
    entry: QueueEntry,
    agentId: string,
    now: Date,
  ): Promise<Decision> {
    let previousAssigneeId: string | null = null;
    if (entry.conversationId) {
      const result = await this.deps.conversations.assignInTransaction(repo.db, {
        companyId: entry.companyId,
        conversationId: entry.conversationId,
        agentId,
        now,
      });
      if (result.kind === 'gone') return this.endGone(repo, entry, now);
      previousAssigneeId = result.previousAssigneeId;
    }
    const assigned: QueueEntry = {
      ...entry,
      state: 'assigned',
      assignedTo: agentId,
      assignedAt: now,
      offeredTo: null,
      waitSeconds: secondsBetween(entry.originalEnqueuedAt, now),
    };
    await repo.updateEntry(entry.id, {
      state: 'assigned',
      assignedTo: agentId,
      assignedAt: now,
      offeredTo: null,
      waitSeconds: assigned.waitSeconds,
      offeredAgents: [...new Set([...entry.offeredAgents, agentId])],
      updatedAt: now,
    });
    return { kind: 'assigned', entry: assigned, queue, previousAssigneeId };
  }

  private async offer(
    repo: EngineRepository,
    queue: Queue,
    entry: QueueEntry,
    agentIds: string[],
    isRingAll: boolean,
    at: Date,
  ): Promise<Decision> {
    // The offer's time runs from now, not from the start of a batch of decisions.
    const now = new Date(Math.max(at.getTime(), this.deps.clock.now().getTime()));
    const expiresAt = new Date(now.getTime() + queue.offerTimeoutSeconds * 1000);
    const offers: Offer[] = agentIds.map((agentId) => ({
      id: newId(),
      companyId: entry.companyId,
      entryId: entry.id,
      queueId: queue.id,
      agentId,
      channel: entry.channel,
      state: 'offered',
      isRingAll,
      offeredAt: now,
      expiresAt,
    }));
    for (const offer of offers) await repo.insertOffer(offer);
    const offeredTo = isRingAll ? null : (agentIds[0] ?? null);
    await repo.updateEntry(entry.id, {
      state: 'offered',
      offeredTo,
      attempts: entry.attempts + 1,
      offeredAgents: [...new Set([...entry.offeredAgents, ...agentIds])],
      updatedAt: now,
    });
    return {
      kind: 'offered',
      entry: { ...entry, state: 'offered', offeredTo, attempts: entry.attempts + 1 },
      queue,
      offers,
    };
  }

  /** The conversation stopped waiting (closed, or taken by hand) before routing reached it. */
  private async endGone(repo: EngineRepository, entry: QueueEntry, now: Date): Promise<Decision> {
    const ended: QueueEntry = { ...entry, state: 'completed', endedAt: now, endReason: 'gone' };
    await repo.updateEntry(entry.id, { state: 'completed', endedAt: now, endReason: 'gone', updatedAt: now });
    await repo.closeLiveOffers(entry.id, 'cancelled', now);
    return { kind: 'gone', entry: ended };
  }

  /** After commit: the decision's events (unless its transaction appended them), then the listeners. */
  private async announce(decision: Decided): Promise<void> {
    const now = this.deps.clock.now();
    const { entry, isPublished } = decision;
    const log = { companyId: entry.companyId, queueId: entry.queueId, entryId: entry.id };
    const publish = async (): Promise<void> => {
      if (isPublished) return;
      for (const event of this.eventsOf(decision, now)) await this.deps.events.publishBuilt(event);
    };
    switch (decision.kind) {
      case 'assigned': {
        this.deps.logger.info({ ...log, agentId: entry.assignedTo, waitSeconds: entry.waitSeconds }, 'item assigned');
        // Published at once: the agent's entry event does not wait for the conversation's,
        // which reads the conversation first (one more round trip on a busy pool).
        const assigned = publish();
        if (entry.conversationId) {
          await this.deps.conversations.announceAssignment(
            entry.companyId,
            entry.conversationId,
            decision.previousAssigneeId,
          );
        }
        await assigned;
        await this.notify((l) => l.assigned?.(entry));
        return;
      }
      case 'offered':
        for (const offer of decision.offers) {
          this.deps.logger.info({ ...log, agentId: offer.agentId, offerId: offer.id }, 'item offered');
        }
        await publish();
        for (const offer of decision.offers) await this.notify((l) => l.offered?.(offer, entry));
        return;
      case 'gone':
        this.deps.logger.info(log, 'entry ended: the item no longer waits');
        await publish();
        return;
    }
  }

  // ── offers ────────────────────────────────────────────────────────────────

  /** The agent takes the item: it is theirs, every other live offer of it ends. */
  async acceptOffer(agent: { companyId: string; userId: string }, offerId: string): Promise<Offer> {
    const now = this.deps.clock.now();
    const found = await this.deps.repository.findOffer(agent.companyId, offerId);
    if (!found || found.agentId !== agent.userId) throw new NotFoundError('offer.not_found', 'No such offer.');
    const result = await this.deps.repository.transaction(async (repo) => {
      const entry = await repo.lockEntry(agent.companyId, found.entryId);
      const offer = await repo.lockOffer(agent.companyId, offerId);
      if (!entry || !offer) throw new NotFoundError('offer.not_found', 'No such offer.');
      assertLive(offer, now);
      const queue = await repo.findQueue(entry.companyId, entry.queueId);
      await repo.lockAgentWaiting(agent.companyId, agent.userId, now);
      await repo.updateOffer(offer.id, { state: 'accepted', respondedAt: now });
      const others = (await repo.closeLiveOffers(entry.id, 'cancelled', now)).filter((o) => o.id !== offer.id);
      await repo.updateAgent(agent.userId, { missedOffers: 0, updatedAt: now });
      const decision = queue
        ? await this.assign(repo, queue, entry, agent.userId, now)
        : await this.endGone(repo, entry, now);
      return { offer: { ...offer, state: 'accepted' as const }, others, decision, queueName: queue?.name ?? '' };
    });
    await this.deps.events.offer('offer.accepted', result.offer, result.decision.entry, {
      queueName: result.queueName,
    });
    for (const other of result.others)
      await this.offerEnded('offer.cancelled', other, result.decision.entry, result.queueName);
    await this.announce({ ...result.decision, isPublished: false });
    if (result.decision.kind === 'gone') {
      throw new ConflictError('offer.item_gone', 'The customer no longer waits: the conversation was closed or taken.');
    }
    return result.offer;
  }

  /** The agent declines: the item goes to the next agent (they are tried again only if nobody else can). */
  async rejectOffer(agent: { companyId: string; userId: string }, offerId: string): Promise<Offer> {
    const now = this.deps.clock.now();
    const found = await this.deps.repository.findOffer(agent.companyId, offerId);
    if (!found || found.agentId !== agent.userId) throw new NotFoundError('offer.not_found', 'No such offer.');
    const result = await this.deps.repository.transaction(async (repo) => {
      const entry = await repo.lockEntry(agent.companyId, found.entryId);
      const offer = await repo.lockOffer(agent.companyId, offerId);
      if (!entry || !offer) throw new NotFoundError('offer.not_found', 'No such offer.');
      assertLive(offer, now);
      await repo.updateOffer(offer.id, { state: 'rejected', respondedAt: now });
      await repo.lockAgentWaiting(agent.companyId, agent.userId, now);
      await repo.updateAgent(agent.userId, { missedOffers: 0, updatedAt: now });
      const back = await this.backToWaitingIfUnoffered(repo, entry, [agent.userId], now);
      const queue = await repo.findQueue(entry.companyId, entry.queueId);
      return { offer: { ...offer, state: 'rejected' as const }, entry: back, queueName: queue?.name ?? '' };
    });
    this.deps.logger.info({ companyId: agent.companyId, offerId, agentId: agent.userId }, 'offer rejected');
    await this.offerEnded('offer.rejected', result.offer, result.entry, result.queueName);
    await this.routeQueue(result.entry.companyId, result.entry.queueId);
    return result.offer;
  }

  /**
   * Ends offers past their time: each counts as a miss for its agent, and an agent who
   * lets MAX_MISSED_OFFERS in a row expire is set away (`missed_offers`). The entries go
   * back to waiting and are routed again.
   */
  async expireOffers(limit: number): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.deps.repository.expiredOfferEntryIds(now, limit);
    for (const { companyId, entryId } of due) {
      await this.endLiveOffers(companyId, entryId, 'expired', (offer) => offer.expiresAt.getTime() < now.getTime());
    }
    return due.length;
  }

  /** Offers to agents who went away, offline or lost every socket end at once (not counted as misses). */
  async withdrawOffersFromUnavailable(limit: number): Promise<number> {
    const due = await this.deps.repository.entriesOfferedToUnavailable(limit);
    for (const { companyId, entryId } of due) await this.endLiveOffers(companyId, entryId, 'cancelled', () => true);
    return due.length;
  }

  private async endLiveOffers(
    companyId: string,
    entryId: string,
    state: 'expired' | 'cancelled',
    isDue: (offer: Offer) => boolean,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const result = await this.deps.repository.transaction(async (repo) => {
      const entry = await repo.lockEntry(companyId, entryId);
      if (!entry || entry.state !== 'offered') return undefined;
      const ended = (await repo.liveOffersOfEntry(entryId)).filter(isDue);
      const misses: { agentId: string; missedInARow: number; isSetAway: boolean }[] = [];
      for (const offer of ended) {
        await repo.updateOffer(offer.id, { state, respondedAt: now });
        if (state !== 'expired') continue;
        const agent = await repo.lockAgentWaiting(companyId, offer.agentId, now);
        const missedInARow = (agent?.missedOffers ?? 0) + 1;
        const isSetAway = missedInARow >= MAX_MISSED_OFFERS;
        await repo.updateAgent(offer.agentId, { missedOffers: isSetAway ? 0 : missedInARow, updatedAt: now });
        misses.push({ agentId: offer.agentId, missedInARow, isSetAway });
      }
      const back = await this.backToWaitingIfUnoffered(
        repo,
        entry,
        ended.map((o) => o.agentId),
        now,
      );
      const queue = await repo.findQueue(companyId, entry.queueId);
      return { ended: ended.map((o) => ({ ...o, state })), misses, entry: back, queueName: queue?.name ?? '' };
    });
    if (!result) return;
    for (const offer of result.ended) {
      const miss = result.misses.find((m) => m.agentId === offer.agentId);
      this.deps.logger.info({ companyId, entryId, agentId: offer.agentId, offerId: offer.id, state }, 'offer ended');
      await this.offerEnded(
        state === 'expired' ? 'offer.expired' : 'offer.cancelled',
        offer,
        result.entry,
        result.queueName,
        miss,
      );
      if (miss?.isSetAway) {
        this.deps.logger.info({ companyId, agentId: offer.agentId }, 'agent set away after missed offers');
        await this.deps.presence.setAway(companyId, offer.agentId, MISSED_OFFERS_REASON).catch((error: unknown) => {
          this.deps.logger.error({ err: error, companyId, agentId: offer.agentId }, 'agent not set away');
        });
      }
    }
    await this.routeQueue(companyId, result.entry.queueId);
  }

  private async backToWaitingIfUnoffered(
    repo: EngineRepository,
    entry: QueueEntry,
    declinedBy: string[],
    now: Date,
  ): Promise<QueueEntry> {
    const stillOffered = await repo.liveOffersOfEntry(entry.id);
    if (stillOffered.length > 0 || entry.state !== 'offered') return entry;
    const declined = [...new Set([...entry.declinedBy, ...declinedBy])];
    await repo.updateEntry(entry.id, { state: 'waiting', offeredTo: null, declinedBy: declined, updatedAt: now });
    return { ...entry, state: 'waiting', offeredTo: null, declinedBy: declined };
  }

  private async offerEnded(
    name: 'offer.rejected' | 'offer.expired' | 'offer.cancelled',
    offer: Offer,
    entry: QueueEntry,
    queueName: string,
    miss?: { missedInARow: number; isSetAway: boolean },
  ): Promise<void> {
    await this.deps.events.offer(name, offer, entry, {
      queueName,
      ...(miss ? { missedInARow: miss.missedInARow, isAgentSetAway: miss.isSetAway } : {}),
    });
    await this.notify((l) => l.offerEnded?.(offer, entry));
  }

  // ── the end of an item ────────────────────────────────────────────────────

  /**
   * The item is over (conversation closed, call ended) or someone else has it now: the
   * entry ends; an agent who had it starts wrap-up and counts as idle from now.
   */
  async endEntry(companyId: string, entryId: string, reason: string, state: 'completed' | 'abandoned' = 'completed') {
    const now = this.deps.clock.now();
    const result = await this.deps.repository.transaction(async (repo) => {
      const entry = await repo.lockEntry(companyId, entryId);
      if (!entry || !['waiting', 'offered', 'assigned'].includes(entry.state)) return undefined;
      const queue = await repo.findQueue(companyId, entry.queueId);
      const closedOffers = await repo.closeLiveOffers(entry.id, 'cancelled', now);
      const waitSeconds = entry.waitSeconds ?? secondsBetween(entry.originalEnqueuedAt, now);
      await repo.updateEntry(entry.id, { state, endedAt: now, endReason: reason, waitSeconds, updatedAt: now });
      let wrapUpUntil: Date | null = null;
      if (entry.state === 'assigned' && entry.assignedTo) {
        await repo.lockAgentWaiting(companyId, entry.assignedTo, now);
        wrapUpUntil = queue && queue.wrapUpSeconds > 0 ? new Date(now.getTime() + queue.wrapUpSeconds * 1000) : null;
        await repo.updateAgent(entry.assignedTo, { lastItemEndedAt: now, wrapUpUntil, updatedAt: now });
      }
      const ended: QueueEntry = { ...entry, state, endedAt: now, endReason: reason, waitSeconds };
      return {
        entry: ended,
        wasAssigned: entry.state === 'assigned',
        wrapUpUntil,
        closedOffers,
        queueName: queue?.name ?? '',
      };
    });
    if (!result) return undefined;
    const { entry } = result;
    this.deps.logger.info({ companyId, entryId, reason, state, agentId: entry.assignedTo }, 'entry ended');
    for (const offer of result.closedOffers) await this.offerEnded('offer.cancelled', offer, entry, result.queueName);
    await this.deps.events.entry(state === 'abandoned' ? 'entry.abandoned' : 'entry.completed', entry, now, {
      reason,
      wrap_up_until: result.wrapUpUntil?.toISOString() ?? null,
    });
    await this.notify((l) => l.ended?.(entry));
    if (result.wasAssigned && entry.assignedTo && result.wrapUpUntil === null) {
      await this.routeAgentQueues(companyId, entry.assignedTo);
    }
    return entry;
  }

  /**
   * The agent dropped (offline or disconnected past the presence timeout) before answering:
   * the conversation goes back to the front of its queue. Answered ones stay with them.
   */
  async requeueDropped(now: Date, timeoutMs: number, limit: number): Promise<number> {
    const dropped = await this.deps.repository.lockDroppedAssignments(now, timeoutMs, limit);
    let requeued = 0;
    for (const candidate of dropped) {
      if (!candidate.conversationId || !candidate.assignedAt || !candidate.assignedTo) continue;
      const since = candidate.assignedAt;
      if (await this.deps.conversations.hasAgentReplied(candidate.companyId, candidate.conversationId, since)) continue;
      const result = await this.deps.repository.transaction(async (repo) => {
        const entry = await repo.lockEntry(candidate.companyId, candidate.id);
        if (!entry || entry.state !== 'assigned' || !entry.conversationId || !entry.assignedTo) return undefined;
        const released = await this.deps.conversations.releaseInTransaction(repo.db, {
          companyId: entry.companyId,
          conversationId: entry.conversationId,
          fromAgentId: entry.assignedTo,
          now,
        });
        if (released.kind === 'gone') return undefined;
        await repo.updateEntry(entry.id, {
          state: 'waiting',
          isFront: true,
          assignedTo: null,
          assignedAt: null,
          waitSeconds: null,
          declinedBy: [...new Set([...entry.declinedBy, entry.assignedTo])],
          updatedAt: now,
        });
        return {
          entry: { ...entry, state: 'waiting' as const, isFront: true, assignedTo: null },
          agentId: entry.assignedTo,
        };
      });
      if (!result) continue;
      requeued += 1;
      const { entry } = result;
      this.deps.logger.info(
        { companyId: entry.companyId, entryId: entry.id, agentId: result.agentId },
        'item returned to the front',
      );
      if (entry.conversationId) {
        await this.deps.conversations.announceAssignment(entry.companyId, entry.conversationId, result.agentId);
      }
      await this.deps.events.entry('entry.requeued', entry, now, { reason: 'agent_dropped', agent_id: result.agentId });
      await this.routeQueue(entry.companyId, entry.queueId);
    }
    return requeued;
  }

  /** Routes every queue the agent serves (they became eligible: online, out of wrap-up, more capacity). */
  async routeAgentQueues(companyId: string, agentId: string, queueIds?: readonly string[]): Promise<void> {
    if (queueIds) {
      for (const queueId of queueIds) await this.routeQueue(companyId, queueId);
      return;
    }
    // One look for all the agent's queues; an entry committed after it routes its queue itself.
    const waiting = await this.deps.repository.waitingQueueIdsOfAgent(companyId, agentId);
    for (const queueId of waiting) await this.routeQueue(companyId, queueId, true);
  }

  /** The sweep overflowed an entry: the voice side carries out voicemail and callback. */
  notifyOverflowed(entry: QueueEntry, action: Record<string, unknown>): Promise<void> {
    return this.notify((l) => l.overflowed?.(entry, action));
  }

  private async notify(call: (listener: RoutingListener) => void | Promise<void> | undefined): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await call(listener);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'routing listener failed');
      }
    }
  }
}

function assertLive(offer: Offer, now: Date): void {
  if (offer.state !== 'offered') {
    throw new ConflictError(`offer.${offer.state}`, `The offer is ${offer.state}.`);
  }
  if (offer.expiresAt.getTime() <= now.getTime()) throw new ConflictError('offer.expired', 'The offer has expired.');
}

/**
 * Conversations meet the engine here: a conversation nobody owns enters its channel's
 * queue (or the menu bot first), its entry follows what happens to it (closed, taken by
 * hand, transferred), customers hear their place in line, and agents transfer to a queue.
 * `reconcile` reads the conversation as it is now and fixes its entry, so it is safe to
 * run for any event, twice, or on every node.
 */
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { EngineRepository } from './routing.engine-repository.js';
import type { RoutingEngine } from './routing.engine.js';
import type { ConversationsPort, RoutableConversation, RoutingTexts } from './routing.ports.js';
import type { RoutingRepository } from './routing.repository.js';
import { estimateWaitSeconds, isOpenAt, shouldAnnouncePosition, type QueueEntry, type Queue } from './routing.js';
import {
  chosenOption,
  closedText,
  interactiveMenuOf,
  languageOf,
  menuIntro,
  menuLines,
  positionText,
  type MenuOption,
} from './routing.texts.js';

/** Whether two reads of a conversation agree on what routing acts on. */
function isSameRouting(a: RoutableConversation, b: RoutableConversation | undefined): boolean {
  return (
    b !== undefined && a.status === b.status && a.assigneeId === b.assigneeId && a.awaitingHuman === b.awaitingHuman
  );
}

/** Wrong answers to the menu before the customer goes to the default queue. */
const MAX_MENU_ATTEMPTS = 3;
/** Handle time assumed for an estimate before a queue has history. */
const DEFAULT_HANDLE_SECONDS = 180;

export interface ConversationRouterDeps {
  engine: RoutingEngine;
  entries: EngineRepository;
  admin: RoutingRepository;
  conversations: ConversationsPort;
  /** The company's customer texts; without it, routing's own pt-BR/en texts. */
  texts?: RoutingTexts | undefined;
  clock: Clock;
  logger: Logger;
}

export class ConversationRouter {
  constructor(private readonly deps: ConversationRouterDeps) {}

  async reconcile(companyId: string, conversationId: string): Promise<void> {
    const conversation = await this.deps.conversations.find(companyId, conversationId);
    if (!conversation || conversation.channel === 'voice') return;
    const live = await this.deps.entries.findLiveEntryOf(companyId, { conversationId });
    const isWaiting = conversation.status === 'open' && conversation.assigneeId === null && conversation.awaitingHuman;
    if (live) {
      // The conversation was read before its entry: a decision that committed in between
      // (it changes both at once) would look like a change by hand. Read it again before
      // ending anything; when it moved, that change's own event reconciles it.
      const isSettled = async () =>
        isSameRouting(conversation, await this.deps.conversations.find(companyId, conversationId));
      if (conversation.status === 'resolved' || conversation.status === 'snoozed') {
        await this.deps.engine.endEntry(companyId, live.id, 'closed');
      } else if (conversation.assigneeId !== null && conversation.assigneeId !== live.assignedTo) {
        if (!(await isSettled())) return;
        await this.deps.engine.endEntry(companyId, live.id, live.state === 'assigned' ? 'reassigned' : 'taken');
      } else if (isWaiting && live.state === 'assigned' && (await isSettled())) {
        // Unassigned by hand: a new entry keeps the first enqueue time.
        await this.deps.engine.endEntry(companyId, live.id, 'unassigned');
        await this.enqueueInto(conversation, live.queueId, live);
      }
      return;
    }
    if (isWaiting) await this.enter(conversation);
  }

  /** A conversation nobody owns: the menu bot when the channel has one, else the default queue. */
  private async enter(conversation: RoutableConversation): Promise<void> {
    const entryPoint = await this.deps.admin.findEntryPoint(conversation.companyId, conversation.channel);
    if (!entryPoint) return;
    if (entryPoint.menu && entryPoint.menu.options.length > 0) {
      const now = this.deps.clock.now();
      if (!(await this.deps.entries.startMenu(conversation.companyId, conversation.id, conversation.channel, now)))
        return;
      await this.deps.conversations.holdForBot(conversation.companyId, conversation.id);
      await this.sendMenu(
        conversation.companyId,
        conversation.id,
        entryPoint.menu.prompt ?? null,
        entryPoint.menu.options,
      );
      this.deps.logger.info({ companyId: conversation.companyId, conversationId: conversation.id }, 'menu sent');
      return;
    }
    if (entryPoint.defaultQueueId) await this.enqueueInto(conversation, entryPoint.defaultQueueId);
  }

  /**
   * The customer answered while the menu bot has the conversation. The message that
   * opened the conversation (stored before the menu was sent) is no answer to it.
   */
  async onInboundMessage(companyId: string, conversationId: string, text: string | null, sentAt: Date): Promise<void> {
    const conversation = await this.deps.conversations.find(companyId, conversationId);
    if (!conversation) return;
    // Read before the transaction: on PGlite's single connection a query outside it would wait for it.
    const point = await this.deps.admin.findEntryPoint(companyId, conversation.channel);
    const entryPoint = await this.deps.entries.transaction(async (repo) => {
      const session = await repo.lockMenu(companyId, conversationId);
      if (!session || sentAt.getTime() <= session.startedAt.getTime()) return undefined;
      const options = point?.menu?.options ?? [];
      const chosen = chosenOption(options, text);
      const attempts = session.attempts + 1;
      if (chosen || attempts >= MAX_MENU_ATTEMPTS || options.length === 0) {
        await repo.endMenu(conversationId);
        return { kind: 'chosen' as const, queueId: chosen?.queue_id ?? point?.defaultQueueId ?? null };
      }
      await repo.updateMenuAttempts(conversationId, attempts);
      return { kind: 'retry' as const, prompt: point?.menu?.prompt ?? null, options };
    });
    if (!entryPoint) return;
    if (entryPoint.kind === 'retry') {
      await this.sendMenu(companyId, conversationId, entryPoint.prompt, entryPoint.options, true);
      return;
    }
    if (entryPoint.queueId) await this.enqueueInto(conversation, entryPoint.queueId);
    await this.deps.conversations.handOver(companyId, conversationId);
    this.deps.logger.info({ companyId, conversationId, queueId: entryPoint.queueId }, 'menu answered');
  }

  /** An agent (who has it) or a manager sends the conversation to a queue; its first enqueue time is kept. */
  async transfer(actor: Actor, conversationId: string, queueId: string): Promise<QueueEntry> {
    // Three independent reads at once (on PostgreSQL's pool, one wait instead of three); the
    // checks keep their order, and nothing read is shown to an actor who may not see it.
    const [conversation, queue, previous] = await Promise.all([
      this.deps.conversations.find(actor.companyId, conversationId),
      this.deps.entries.findQueue(actor.companyId, queueId),
      this.deps.entries.latestEntryOfConversation(actor.companyId, conversationId),
    ]);
    const isAllowed = conversation && (isManager(actor) || conversation.assigneeId === actor.userId);
    if (!conversation || !isAllowed) throw new NotFoundError('conversation.not_found', 'No such conversation.');
    if (conversation.status === 'resolved') {
      throw new ConflictError('conversation.resolved', 'The conversation is resolved; reopen it first.');
    }
    if (!queue) throw new NotFoundError('queue.not_found', 'No such queue.');
    if (!queue.channels.includes(conversation.channel)) {
      throw new ConflictError('queue.channel_not_served', `The queue does not take ${conversation.channel} items.`);
    }
    const live = previous && ['waiting', 'offered', 'assigned'].includes(previous.state) ? previous : undefined;
    if (live) await this.deps.engine.endEntry(actor.companyId, live.id, 'transferred');
    // A conversation that already waits for anyone has nothing to release. One that has
    // an agent is released in the new entry's own transaction: it never waits with no
    // entry, so reconcile() has nothing to put in the channel's default queue meanwhile.
    const isWaiting = conversation.status === 'open' && conversation.assigneeId === null && conversation.awaitingHuman;
    const release = isWaiting ? undefined : this.releaser(actor.companyId, conversationId);
    let entry = await this.enqueueInto(conversation, queue, previous, release?.prepare);
    // It already waited: on a busy node reconcile() may have put it back in the channel's
    // default queue since `endEntry` above. That entry is not what the agent asked for:
    // end it, and enqueue where they asked.
    for (let attempt = 0; !entry && attempt < 3; attempt += 1) {
      const meanwhile = await this.deps.entries.findLiveEntryOf(actor.companyId, { conversationId });
      if (!meanwhile || meanwhile.queueId === queueId) break;
      await this.deps.engine.endEntry(actor.companyId, meanwhile.id, 'transferred');
      entry = await this.enqueueInto(conversation, queue, previous, release?.prepare);
    }
    if (release) await release.announce();
    if (!entry) throw new ConflictError('entry.already_queued', 'The conversation is already in a queue.');
    this.deps.logger.info(
      { companyId: actor.companyId, conversationId, queueId, byUserId: actor.userId },
      'conversation transferred to a queue',
    );
    return entry;
  }

  /**
   * Takes the conversation from its agent, in the transaction `prepare` is given; once
   * that commits, `announce` tells the agent (over the socket) it is no longer theirs.
   */
  private releaser(companyId: string, conversationId: string) {
    let previousAssigneeId: string | null = null;
    return {
      prepare: async (scope: object): Promise<void> => {
        const released = await this.deps.conversations.releaseInTransaction(scope, {
          companyId,
          conversationId,
          now: this.deps.clock.now(),
        });
        // A second run (the loop in transfer) finds it released already: the agent told is the first's.
        if (released.kind === 'released' && released.previousAssigneeId !== null) {
          previousAssigneeId = released.previousAssigneeId;
        }
      },
      announce: async (): Promise<void> => {
        if (previousAssigneeId === null) return;
        await this.deps.conversations.announceAssignment(companyId, conversationId, previousAssigneeId);
      },
    };
  }

  private async enqueueInto(
    conversation: RoutableConversation,
    target: string | Queue,
    previous?: QueueEntry,
    prepare?: (scope: object) => Promise<void>,
  ): Promise<QueueEntry | undefined> {
    const queue =
      typeof target === 'string' ? await this.deps.entries.findQueue(conversation.companyId, target) : target;
    if (!queue) return undefined;
    // The company's time zone and language matter only to a queue with business hours.
    const settings = queue.businessHours ? await this.deps.admin.findSettings(conversation.companyId) : undefined;
    const now = this.deps.clock.now();
    const isOpen = settings === undefined || isOpenAt(queue.businessHours, settings.timeZone, now);
    const closedAction = queue.businessHours?.closedAction;
    const entry = await this.deps.engine.enqueue({
      companyId: conversation.companyId,
      queueId: queue.id,
      channel: conversation.channel,
      conversationId: conversation.id,
      label: conversation.label,
      priority: queue.priority,
      originalEnqueuedAt: previous?.originalEnqueuedAt,
      previousEntryId: previous?.id,
      closedAction: isOpen || !closedAction ? undefined : { ...closedAction },
      prepare,
    });
    if (!entry) return undefined;
    if (settings && !isOpen && closedAction?.action === 'message') {
      const language = languageOf(settings.language);
      const text =
        closedAction.text ??
        (await this.textOf(conversation.companyId, 'business_hours', {}, () => closedText(language)));
      await this.deps.conversations.sendBotMessage(conversation.companyId, conversation.id, text);
    } else if (isOpen && queue.announcePosition) {
      await this.announcePositions(queue);
    }
    return entry;
  }

  /** Tells waiting chat customers of the queue their place and estimated wait, when it is worth a message. */
  async announcePositions(queue: Queue): Promise<number> {
    const now = this.deps.clock.now();
    const waiting = await this.deps.entries.listWaiting(queue.companyId, queue.id, 200);
    if (waiting.length === 0) return 0;
    const settings = await this.deps.admin.findSettings(queue.companyId);
    const language = languageOf(settings.language);
    const candidates = await this.deps.entries.candidates(queue.id);
    const serving = candidates.filter((c) => c.status === 'online' && c.isConnected).length;
    const handle =
      (await this.deps.entries.averageHandleSeconds(queue.id, new Date(now.getTime() - 3600_000))) ??
      DEFAULT_HANDLE_SECONDS;
    let sent = 0;
    for (const [index, entry] of waiting.entries()) {
      const position = index + 1;
      if (!entry.conversationId || entry.channel === 'voice') continue;
      if (
        !shouldAnnouncePosition({ at: entry.lastAnnouncedAt, position: entry.lastAnnouncedPosition }, position, now)
      ) {
        continue;
      }
      // Claimed first, so two nodes never write the same announcement twice.
      const isClaimed = await this.deps.entries.claimAnnouncement(entry, position, now);
      if (!isClaimed) continue;
      const waitSeconds = estimateWaitSeconds(position, handle, serving);
      const text = await this.textOf(
        entry.companyId,
        position === 1 ? 'queue_next' : 'queue_position',
        { 'queue.position': position, 'queue.wait_minutes': Math.max(1, Math.ceil(waitSeconds / 60)) },
        () => positionText(language, position, waitSeconds),
      );
      await this.deps.conversations.sendBotMessage(entry.companyId, entry.conversationId, text);
      sent += 1;
    }
    return sent;
  }

  /** The menu as text (options listed) and, on WhatsApp when it fits, as buttons or a list. */
  private async sendMenu(
    companyId: string,
    conversationId: string,
    prompt: string | null,
    options: readonly MenuOption[],
    isRetry = false,
  ): Promise<void> {
    const settings = await this.deps.admin.findSettings(companyId);
    const language = languageOf(settings.language);
    const intro = prompt ?? (await this.textOf(companyId, 'menu', {}, () => menuIntro(language)));
    const sorry = isRetry
      ? `${await this.textOf(companyId, 'menu_retry', {}, () => (language === 'en' ? 'Sorry, I did not understand.' : 'Desculpe, não entendi.'))} `
      : '';
    const body = `${sorry}${intro}`;
    const conversation = await this.deps.conversations.find(companyId, conversationId);
    const interactive = conversation?.channel === 'whatsapp' ? interactiveMenuOf(options) : null;
    await this.deps.conversations.sendBotMessage(
      companyId,
      conversationId,
      `${body}\n${menuLines(options)}`,
      interactive ? { ...interactive, body } : undefined,
    );
  }

  private async textOf(
    companyId: string,
    key: Parameters<RoutingTexts['textOf']>[1],
    variables: Parameters<RoutingTexts['textOf']>[2],
    fallback: () => string,
  ): Promise<string> {
    return this.deps.texts ? this.deps.texts.textOf(companyId, key, variables) : fallback();
  }
}

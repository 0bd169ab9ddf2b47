/**
 * Routing as a feature module: its routes, the triggers it takes from other modules'
 * events (a conversation waiting, closed or taken; a customer answering the menu; an
 * agent becoming available or leaving) and the periodic sweep. Presence and
 * conversations are reached through ports the composition wires (feature-modules.ts).
 */
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import type { PublishedEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { ConversationRouter } from './routing.conversations.js';
import { EngineRepository } from './routing.engine-repository.js';
import { RoutingEngine } from './routing.engine.js';
import { RoutingEvents } from './routing.events.js';
import type { ConversationsPort, PresencePort, RoutingTexts } from './routing.ports.js';
import { menuKeyOfReply } from './routing.texts.js';
import { RoutingRepository } from './routing.repository.js';
import { registerRoutingRoutes } from './routing.routes.js';
import { RoutingService } from './routing.service.js';
import { RoutingSweeper, type SweepResult } from './routing.sweep.js';

export interface RoutingModuleOptions {
  presence: PresencePort;
  conversations: ConversationsPort;
  /** What the company writes to customers (menu, positions, closed hours); routing's defaults without it. */
  texts?: RoutingTexts;
  /** How often the sweep runs (default 1 s); false: never by itself (tests call `sweep`). */
  sweepIntervalMs?: number | false;
}

export interface RoutingModule extends InstalledModule {
  readonly engine: RoutingEngine;
  readonly service: RoutingService;
  readonly router: ConversationRouter;
  /** One sweep now, on this node, whatever the lock (tests). */
  sweep(): Promise<SweepResult>;
}

const DEFAULT_SWEEP_MS = 1000;
const CONVERSATION_EVENTS = new Set([
  'conversation.created',
  'conversation.updated',
  'conversation.assigned',
  'conversation.closed',
]);

export function createRoutingModule(context: ModuleContext, options: RoutingModuleOptions): RoutingModule {
  const logger = context.logger.child({ module: 'routing' });
  const entries = new EngineRepository(context.db);
  const admin = new RoutingRepository(context.db);
  const events = new RoutingEvents(context.publisher, logger);
  const engine = new RoutingEngine({
    repository: entries,
    conversations: options.conversations,
    presence: options.presence,
    events,
    clock: context.clock,
    logger,
  });
  const router = new ConversationRouter({
    engine,
    entries,
    admin,
    conversations: options.conversations,
    texts: options.texts,
    clock: context.clock,
    logger,
  });
  const service = new RoutingService({ repository: admin, entries, engine, clock: context.clock, logger });
  const intervalMs =
    options.sweepIntervalMs === false ? DEFAULT_SWEEP_MS : (options.sweepIntervalMs ?? DEFAULT_SWEEP_MS);
  const sweeper = new RoutingSweeper({
    engine,
    entries,
    router,
    events,
    clock: context.clock,
    logger,
    nodeId: newId(),
    intervalMs,
    dropAfterMs: context.config.presence.offlineAfterSeconds * 1000,
  });
  const triggers = new Triggers(logger);
  let unsubscribe: (() => void) | undefined;

  const onEvent = (event: PublishedEvent): void => {
    const data = event.data;
    if (CONVERSATION_EVENTS.has(event.name) && typeof data.id === 'string') {
      triggers.run(`c:${data.id}`, () => router.reconcile(event.companyId, data.id as string));
    } else if (
      event.name === 'message.created' &&
      data.direction === 'inbound' &&
      typeof data.conversation_id === 'string'
    ) {
      // A tap on the interactive menu names its option by id (`menu:<key>`).
      const content = data.content as { kind?: unknown; reply_id?: unknown } | null | undefined;
      const tapped =
        content?.kind === 'interactive_reply' && typeof content.reply_id === 'string'
          ? menuKeyOfReply(content.reply_id)
          : undefined;
      const text = tapped ?? (typeof data.text === 'string' ? data.text : null);
      const sentAt = typeof data.created_at === 'string' ? new Date(data.created_at) : event.at;
      triggers.run(`c:${data.conversation_id}`, () =>
        router.onInboundMessage(event.companyId, data.conversation_id as string, text, sentAt),
      );
    } else if (event.name === 'agent.presence_changed' && typeof data.agent_id === 'string') {
      const agentId = data.agent_id;
      triggers.run(`a:${agentId}`, async () => {
        if (data.is_available === true) await engine.routeAgentQueues(event.companyId, agentId);
        else await engine.withdrawOffersFromUnavailable(100);
      });
    }
  };

  return {
    engine,
    service,
    router,
    sweep: () => sweeper.sweep(),
    routes: (app) => registerRoutingRoutes(app, service, router),
    async start() {
      // The node that published an event reacts to it; a node that died before it could is
      // covered by the sweep (orphans, finished and taken entries), as a lost event is.
      unsubscribe = context.subscribeOwn(onEvent);
      if (options.sweepIntervalMs !== false) sweeper.start();
    },
    async stop() {
      unsubscribe?.();
      await sweeper.stop();
      await triggers.drain();
    },
  };
}

/**
 * Runs each trigger in the background, one at a time per conversation or agent on this
 * node (a message and its conversation's event arrive together). Failures are logged:
 * the sweep catches up with whatever a failed trigger left.
 */
class Triggers {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(key: string, task: () => Promise<unknown>): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(task)
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error, key }, 'routing trigger failed'));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }
}

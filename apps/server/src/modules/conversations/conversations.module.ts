/**
 * The conversations feature as the composition root installs it: conversations, typing
 * indicators and the channels module wired together, their routes, the `typing` socket
 * command, and the background work (typing expiry, snooze wake-up, stalled deliveries).
 */
import { typingCommandSchema } from '@switchboard/contracts';
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import { defineCommand } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { createChannels } from '../channels/index.js';
import { MessageDelivery } from './conversations.delivery.js';
import { ConversationEvents } from './conversations.events.js';
import { ConversationInbox } from './conversations.inbound.js';
import { ConversationRouting } from './conversations.routing.js';
import { ConversationLifecycle } from './conversations.lifecycle.js';
import { ConversationsRepository } from './conversations.repository.js';
import { registerConversationsRoutes, toTypingStateDto } from './conversations.routes.js';
import { ConversationsService } from './conversations.service.js';
import { createJitsiRooms } from './jitsi.js';
import { MediaDownloads } from './media.downloads.js';
import { MediaFiles } from './media.files.js';
import { MediaRepository } from './media.repository.js';
import { TypingIndicators } from './typing.js';
import { contactAnnouncerOf } from './conversations.contacts.js';
import type { ChannelGateway, CustomerTextPort, MediaFetchOutcome } from './conversations.ports.js';
import { CustomerRatings } from './conversations.ratings.js';
import { MessageUploads } from './uploads.js';
import { registerUploadRoutes } from './uploads.routes.js';

const TYPING_SWEEP_MS = 1_000;
const SNOOZE_WAKE_MS = 2_000;
const STALLED_DELIVERY_MS = 60_000;
const MEDIA_RETRY_MS = 15_000;
/** A delivery claim older than this belongs to a node that stopped. */
const DELIVERY_LEASE_MS = 5 * 60_000;

export interface ConversationsModule extends InstalledModule {
  /** What the routing engine does to conversations (feature-modules.ts hands it over). */
  readonly routing: ConversationRouting;
  /** What the web-chat module needs (feature-modules.ts hands it over). */
  readonly webchat: WebchatBridge;
}

/**
 * Web chat's provider is Switchboard itself (modules/webchat): visitors' messages enter the
 * inbox like a webhook's, their files are read from its uploads, and an agent's read mark
 * goes to its visitors. It is installed after this module, so it binds itself late.
 */
export interface WebchatBridge {
  receive: ConversationInbox['receive'];
  /** The widget's delivery and read reports of agents' messages (by the channel id we gave them). */
  applyDeliveryReports: ConversationInbox['applyDeliveryReports'];
  repository: ConversationsRepository;
  bind(provider: WebchatProvider): void;
}

export interface WebchatProvider {
  fetchMedia(input: { companyId: string; mediaId: string; maxBytes: number }): Promise<MediaFetchOutcome>;
  markRead(input: { companyId: string; channelMessageId: string }): Promise<boolean>;
}

export interface ConversationsModuleOptions {
  /** What the company writes to customers (modules/customer-messages). */
  texts: CustomerTextPort;
}

export function createConversationsModule(
  context: ModuleContext,
  options: ConversationsModuleOptions,
): ConversationsModule {
  const { config, clock } = context;
  const logger = context.logger.child({ module: 'conversations' });
  const repository = new ConversationsRepository(context.db, contactAnnouncerOf(context));
  const events = new ConversationEvents(context.publisher);
  const mediaFiles = new MediaFiles(config.media.dir);
  // The inbox hands new media to the downloader, which fetches through the channels
  // module, which delivers to the inbox: the first link is made once all exist.
  const media: { downloads?: MediaDownloads; ratings?: CustomerRatings } = {};
  const inbox = new ConversationInbox({
    repository,
    events,
    clock,
    logger,
    media: { schedule: (companyId, messageId) => media.downloads?.schedule(companyId, messageId) },
    ratings: { thank: async (companyId, conversationId) => media.ratings?.thank(companyId, conversationId) },
  });
  const channels = createChannels({
    db: context.db,
    clock,
    logger: context.logger.child({ module: 'channels' }),
    whatsapp: context.whatsapp,
    metrics: context.metrics,
    inbox,
  });
  const webchat: { provider?: WebchatProvider } = {};
  const gateway: ChannelGateway = {
    send: (input) => channels.service.send(input),
    markRead: async (input) =>
      input.channel === 'webchat'
        ? ((await webchat.provider?.markRead(input)) ?? false)
        : channels.service.markRead(input),
    fetchMedia: async (input) =>
      input.channel === 'webchat' && webchat.provider
        ? webchat.provider.fetchMedia(input)
        : channels.service.fetchMedia(input),
  };
  const delivery = new MessageDelivery({
    repository,
    gateway,
    files: mediaFiles,
    events,
    clock,
    logger,
    leaseMs: DELIVERY_LEASE_MS,
  });
  media.downloads = new MediaDownloads({
    conversations: repository,
    queue: new MediaRepository(context.db),
    files: mediaFiles,
    gateway,
    events,
    clock,
    logger: logger.child({ component: 'media' }),
    maxBytes: config.media.maxBytes,
    leaseMs: DELIVERY_LEASE_MS,
  });
  const downloads = media.downloads;
  const typing = new TypingIndicators({
    repository,
    publisher: context.publisher,
    clock,
    logger,
    timeoutSeconds: config.presence.typingTimeoutSeconds,
  });
  const ratings = new CustomerRatings({
    repository,
    events,
    delivery,
    texts: options.texts,
    clock,
    logger: logger.child({ component: 'ratings' }),
  });
  media.ratings = ratings;
  const lifecycle = new ConversationLifecycle({
    repository,
    events,
    clock,
    logger,
    afterClose: (companyId, conversationId) => ratings.askAfterClose(companyId, conversationId),
  });
  const uploads = new MessageUploads({ db: context.db, files: mediaFiles, clock });
  const conversations = new ConversationsService({
    repository,
    events,
    delivery,
    typing,
    dialer: context.clickToCall,
    rooms: createJitsiRooms(config.jitsi),
    mediaFiles,
    mediaDownloads: downloads,
    gateway,
    uploads,
    templates: channels.service,
    texts: options.texts,
    clock,
    logger,
  });
  const jobs = [
    new PeriodicJob('typing expiry', TYPING_SWEEP_MS, () => typing.sweep(), logger),
    new PeriodicJob('snooze wake-up', SNOOZE_WAKE_MS, () => lifecycle.wakeSnoozed(), logger),
    new PeriodicJob('stalled deliveries', STALLED_DELIVERY_MS, () => delivery.resumeStale(), logger),
    new PeriodicJob('media downloads', MEDIA_RETRY_MS, () => downloads.resumeDue(), logger),
  ];

  return {
    webchat: {
      receive: (companyId, batch) => inbox.receive(companyId, batch),
      applyDeliveryReports: (companyId, reports) => inbox.applyDeliveryReports(companyId, reports),
      repository,
      bind: (provider) => {
        webchat.provider = provider;
      },
    },
    routing: new ConversationRouting({
      repository,
      events,
      delivery,
      clock,
      logger: logger.child({ component: 'routing' }),
    }),
    routes(app) {
      registerUploadRoutes(app, { conversations, uploads });
      registerConversationsRoutes(app, { conversations, lifecycle, typing, uploads });
      channels.routes(app);
    },
    commands: [
      defineCommand({
        event: 'typing',
        schema: typingCommandSchema,
        handle: async (actor, payload) =>
          toTypingStateDto(
            payload.is_typing
              ? await typing.start(actor, payload.conversation_id)
              : await typing.stopVisible(actor, payload.conversation_id),
          ),
      }),
    ],
    connections: {
      async onDisconnected(actor, openSockets) {
        if (openSockets === 0) await typing.stopAllOf(actor.userId, 'disconnected');
      },
    },
    async start() {
      for (const job of jobs) job.start();
      // Messages a previous run left queued go out now, not a minute later.
      jobs[2]?.runNow();
      jobs[3]?.runNow();
    },
    async stop() {
      for (const job of jobs) await job.stop();
      await delivery.drain();
      await downloads.drain();
    },
  };
}

/** Runs `task` every `intervalMs`, never two at once; `stop` waits for a run in progress. */
class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  runNow(): void {
    this.tick();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.task()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error, job: this.name }, 'periodic job failed'))
      .finally(() => {
        this.running = undefined;
      });
  }
}

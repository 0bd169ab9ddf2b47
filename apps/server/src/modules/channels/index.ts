/**
 * The channels module: channel configuration, the channel-adapter port and its providers
 * (WhatsApp Cloud API, built-in web chat), and the providers' webhooks.
 */
import type { Db } from '../../db/client.js';
import { WhatsAppCloudClient } from '../../integrations/whatsapp/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { ConversationInbox } from './channels.ports.js';
import { ChannelsRepository } from './channels.repository.js';
import { registerChannelsRoutes } from './channels.routes.js';
import { ChannelsService } from './channels.service.js';
import { createWhatsAppAdapter, webchatAdapter } from './whatsapp.adapter.js';

export { ChannelsService, type WebhookReceipt } from './channels.service.js';
export { ChannelsRepository } from './channels.repository.js';
export { registerChannelsRoutes } from './channels.routes.js';
export type {
  ChannelAdapter,
  ContactAddress,
  ConversationInbox,
  DeliveryReport,
  InboundMessage,
  SendOutcome,
} from './channels.ports.js';
export type { ChannelName, ChannelSummary } from './channels.js';

export interface ChannelsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** WHATSAPP_GRAPH_URL. */
  graphUrl: string;
  inbox: ConversationInbox;
}

/** Builds the module with its providers; `routes` registers its HTTP surface. */
export function createChannels(deps: ChannelsDeps) {
  const repository = new ChannelsRepository(deps.db);
  const whatsapp = new WhatsAppCloudClient({
    graphUrl: deps.graphUrl,
    logger: deps.logger.child({ channel: 'whatsapp' }),
  });
  const service = new ChannelsService({
    repository,
    adapters: [createWhatsAppAdapter(repository, whatsapp), webchatAdapter],
    inbox: deps.inbox,
    clock: deps.clock,
    logger: deps.logger,
  });
  return {
    service,
    routes: (app: Parameters<typeof registerChannelsRoutes>[0]) => registerChannelsRoutes(app, service),
  };
}

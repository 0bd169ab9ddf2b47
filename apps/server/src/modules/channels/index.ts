/**
 * The channels module: channel configuration, the channel-adapter port and its providers
 * (WhatsApp Cloud API, built-in web chat), and the providers' webhooks.
 */
import { Counter, type Registry } from 'prom-client';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { createAuditLog } from '../audit/index.js';
import type { ConversationInbox, WebhookItemCounter, WhatsAppPorts } from './channels.ports.js';
import { ChannelsRepository } from './channels.repository.js';
import { registerChannelsRoutes } from './channels.routes.js';
import { ChannelsService } from './channels.service.js';
import { WhatsAppTemplates } from './whatsapp-templates.service.js';
import { createWhatsAppAdapter, webchatAdapter } from './whatsapp.adapter.js';

export { ChannelsService, type WebhookReceipt } from './channels.service.js';
export { ChannelsRepository } from './channels.repository.js';
export { WhatsAppTemplates } from './whatsapp-templates.service.js';
export { registerChannelsRoutes } from './channels.routes.js';
export type {
  ChannelAdapter,
  ContactAddress,
  ConversationInbox,
  DeliveryReport,
  InboundMessage,
  InteractiveOption,
  OutboundContent,
  SendOutcome,
  WhatsAppCloud,
  WhatsAppDelivery,
  WhatsAppPorts,
  WhatsAppWebhookReader,
} from './channels.ports.js';
export type { ChannelName, ChannelSummary } from './channels.js';

export interface ChannelsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** The WhatsApp Cloud API and its webhook reader (integrations/whatsapp, passed in by the composition root). */
  whatsapp: WhatsAppPorts;
  /** Where the webhook-item counter is registered (served at /metrics). */
  metrics: Registry;
  inbox: ConversationInbox;
}

/** Builds the module with its providers; `routes` registers its HTTP surface. */
export function createChannels(deps: ChannelsDeps) {
  const repository = new ChannelsRepository(deps.db);
  const templates = new WhatsAppTemplates({
    db: deps.db,
    channels: repository,
    source: deps.whatsapp.cloud,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'whatsapp-templates' }),
  });
  const service = new ChannelsService({
    repository,
    adapters: [createWhatsAppAdapter(repository, deps.whatsapp.cloud, templates), webchatAdapter],
    templates,
    webhooks: deps.whatsapp.webhooks,
    inbox: deps.inbox,
    itemCounter: webhookItemCounter(deps.metrics),
    audit: createAuditLog(deps.clock),
    clock: deps.clock,
    logger: deps.logger,
  });
  return {
    service,
    templates,
    routes: (app: Parameters<typeof registerChannelsRoutes>[0]) => registerChannelsRoutes(app, service, templates),
  };
}

function webhookItemCounter(registry: Registry): WebhookItemCounter {
  const counter = new Counter({
    name: 'switchboard_webhook_items_rejected_total',
    help: 'Webhook messages and statuses skipped or stored repaired, by channel, outcome and reason',
    labelNames: ['channel', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  return { count: (item) => counter.inc(item) };
}

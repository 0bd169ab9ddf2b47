/**
 * Event webhooks: subscriptions, signing, the durable delivery outbox and its log
 * (docs/webhooks.md, ADR 22). Other integrations deliver through the same outbox as targets.
 */
export {
  createWebhooksModule,
  type DeliveryLog,
  type WebhooksModule,
  type WebhooksModuleOptions,
} from './webhooks.module.js';
export { DeliveryOutbox, DEFAULT_OUTBOX_SETTINGS, type OutboxSettings } from './delivery.outbox.js';
export type { ClaimedDelivery, DeliveryTarget, PlanPass, PlannedDelivery, Preparation } from './delivery-target.js';
export type { DeliveryWithAttempts } from './webhooks.repository.js';
export { toDeliveryDto } from './webhooks.routes.js';
export { assertIsAdmin, eventIdOf, verifySignature, signatureHeader, type LoggedEvent } from './webhooks.js';

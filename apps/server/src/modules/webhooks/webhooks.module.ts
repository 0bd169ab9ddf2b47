/**
 * Event webhooks as a feature module: routes, the delivery outbox (started with the server,
 * nudged by every event this node sees) and the targets it delivers to.
 */
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import { OutboundAllowList } from '../../integrations/outbound-http/index.js';
import type { Page } from '../../shared/pagination.js';
import { DeliveryRetention } from './delivery-retention.js';
import { DEFAULT_OUTBOX_SETTINGS, DeliveryOutbox, type OutboxSettings } from './delivery.outbox.js';
import type { DeliveryTarget } from './delivery-target.js';
import { WebhooksRepository, type DeliveryWithAttempts } from './webhooks.repository.js';
import { registerWebhooksRoutes } from './webhooks.routes.js';
import { WebhooksService } from './webhooks.service.js';

export interface WebhooksModuleOptions {
  /** Retry base, poll interval, lease (tests shorten them). */
  settings?: Partial<OutboxSettings>;
  /** How often finished deliveries past WEBHOOK_DELIVERY_RETENTION_DAYS are pruned (default hourly). */
  pruneIntervalMs?: number;
}

const PRUNE_INTERVAL_MS = 60 * 60_000;

/** The delivery log and queue as other integrations (RD Station) use them. */
export interface DeliveryLog {
  list(
    companyId: string,
    targetId: string,
    filter: { status?: string | undefined; eventType?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<Page<DeliveryWithAttempts>>;
  nudge(): void;
}

export interface WebhooksModule extends InstalledModule {
  readonly service: WebhooksService;
  readonly outbox: DeliveryOutbox;
  readonly log: DeliveryLog;
  readonly retention: DeliveryRetention;
  /** Another kind of target (before start). */
  addTarget(target: DeliveryTarget): void;
}

export function createWebhooksModule(context: ModuleContext, options: WebhooksModuleOptions = {}): WebhooksModule {
  const logger = context.logger.child({ module: 'webhooks' });
  const repository = new WebhooksRepository(context.db);
  const targets: DeliveryTarget[] = [];
  const merged: OutboxSettings = {
    ...DEFAULT_OUTBOX_SETTINGS,
    leaseMs: context.config.webhookDeliveryLeaseSeconds * 1000,
    ...options.settings,
    retry: { ...DEFAULT_OUTBOX_SETTINGS.retry, ...options.settings?.retry },
  };
  // A lease shorter than a request would let a node take over a delivery still in flight.
  const settings = { ...merged, leaseMs: Math.max(merged.leaseMs, merged.timeoutMs * 2) };
  const outbox = new DeliveryOutbox({
    db: context.db,
    clock: context.clock,
    logger,
    outbound: context.outbound,
    targets,
    settings,
  });
  const service = new WebhooksService({
    repository,
    clock: context.clock,
    logger,
    publisher: context.publisher,
    allowList: new OutboundAllowList(context.config.outboundAllowedHosts),
    nudge: () => outbox.nudge(),
  });
  targets.push(service.target());
  const retention = new DeliveryRetention({
    db: context.db,
    retentionDays: context.config.webhookDeliveryRetentionDays,
    intervalMs: options.pruneIntervalMs ?? PRUNE_INTERVAL_MS,
    clock: context.clock,
    logger: context.logger.child({ module: 'delivery-retention' }),
  });
  let unsubscribe: (() => void) | undefined;
  return {
    service,
    outbox,
    retention,
    log: {
      list: (companyId, targetId, filter) => repository.deliveries(companyId, targetId, filter),
      nudge: () => outbox.nudge(),
    },
    addTarget: (target) => targets.push(target),
    routes: (app) => registerWebhooksRoutes(app, service),
    async start() {
      await outbox.start();
      retention.start();
      unsubscribe = context.subscribe(() => outbox.nudge());
    },
    async stop() {
      unsubscribe?.();
      await retention.stop();
      await outbox.stop();
    },
  };
}

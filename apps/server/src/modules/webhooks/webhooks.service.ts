/**
 * Webhook use cases (admins): subscriptions, secret rotation, the delivery log, redelivery
 * and pings; and the webhook as a delivery target of the outbox (signing, disabling).
 */
import { isIP } from 'node:net';
import type { Db } from '../../db/client.js';
import { refusalOf, type OutboundAllowList } from '../../integrations/outbound-http/index.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { EventPublisher } from '../../shared/events.js';
import { newId, newSecret } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { Page } from '../../shared/pagination.js';
import type { ClaimedDelivery, DeliveryTarget, PlanPass, PlannedDelivery, Preparation } from './delivery-target.js';
import {
  isSubscribed,
  type DeliveryWithAttempts,
  type WebhookRow,
  type WebhooksRepository,
} from './webhooks.repository.js';
import {
  assertIsAdmin,
  buildPayload,
  DISABLE_AFTER_MS,
  signatureHeader,
  signingSecrets,
  webhookEventOf,
  type LoggedEvent,
  type WebhookEventType,
} from './webhooks.js';

export interface WebhookInput {
  url: string;
  description?: string | null | undefined;
  eventTypes: WebhookEventType[];
  secret?: string | undefined;
  allowHttp: boolean;
  isActive: boolean;
}

export interface WebhookPatch {
  url?: string | undefined;
  description?: string | null | undefined;
  eventTypes?: WebhookEventType[] | undefined;
  allowHttp?: boolean | undefined;
  isActive?: boolean | undefined;
  rotateSecret?: { secret?: string | undefined; overlapSeconds: number } | undefined;
}

export interface WebhooksServiceDeps {
  repository: WebhooksRepository;
  clock: Clock;
  logger: Logger;
  publisher: EventPublisher;
  allowList: OutboundAllowList;
  /** Looks at the queue now (a ping or a redelivery was queued). */
  nudge(): void;
}

export const WEBHOOK_DISABLED_EVENT = 'webhook.disabled';

export class WebhooksService {
  constructor(private readonly deps: WebhooksServiceDeps) {}

  list(actor: Actor): Promise<WebhookRow[]> {
    assertIsAdmin(actor);
    return this.deps.repository.list(actor.companyId);
  }

  async get(actor: Actor, id: string): Promise<WebhookRow> {
    assertIsAdmin(actor);
    return this.findOrThrow(actor.companyId, id);
  }

  async create(actor: Actor, input: WebhookInput): Promise<{ webhook: WebhookRow; secret: string }> {
    assertIsAdmin(actor);
    this.assertUrl(input.url, input.allowHttp);
    const now = this.deps.clock.now();
    const secret = input.secret ?? `whsec_${newSecret(24)}`;
    const webhook = await this.deps.repository.insert({
      id: newId(),
      companyId: actor.companyId,
      url: input.url,
      description: input.description ?? null,
      eventTypes: [...new Set(input.eventTypes)],
      allowHttp: input.allowHttp,
      isActive: input.isActive,
      secret,
      createdAt: now,
      updatedAt: now,
    });
    this.deps.logger.info({ webhookId: webhook.id, companyId: actor.companyId }, 'webhook created');
    return { webhook, secret };
  }

  async update(actor: Actor, id: string, patch: WebhookPatch): Promise<{ webhook: WebhookRow; secret: string | null }> {
    assertIsAdmin(actor);
    const current = await this.findOrThrow(actor.companyId, id);
    const url = patch.url ?? current.url;
    const allowHttp = patch.allowHttp ?? current.allowHttp;
    this.assertUrl(url, allowHttp);
    const now = this.deps.clock.now();
    const rotation = patch.rotateSecret;
    const secret = rotation ? (rotation.secret ?? `whsec_${newSecret(24)}`) : null;
    const isReenabled = patch.isActive === true && !current.isActive;
    const updated = await this.deps.repository.update(actor.companyId, id, {
      url,
      allowHttp,
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.eventTypes ? { eventTypes: [...new Set(patch.eventTypes)] } : {}),
      ...(patch.isActive !== undefined ? { isActive: patch.isActive } : {}),
      ...(isReenabled ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
      ...(rotation && secret
        ? {
            secret,
            previousSecret: current.secret,
            previousSecretExpiresAt: new Date(now.getTime() + rotation.overlapSeconds * 1000),
          }
        : {}),
      updatedAt: now,
    });
    if (!updated) throw new NotFoundError('webhook.not_found', 'No such webhook.');
    if (rotation) this.deps.logger.info({ webhookId: id }, 'webhook secret rotated');
    return { webhook: updated, secret };
  }

  async delete(actor: Actor, id: string): Promise<void> {
    assertIsAdmin(actor);
    if (!(await this.deps.repository.delete(actor.companyId, id))) {
      throw new NotFoundError('webhook.not_found', 'No such webhook.');
    }
  }

  async deliveries(
    actor: Actor,
    id: string,
    filter: { status?: string | undefined; eventType?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<Page<DeliveryWithAttempts>> {
    assertIsAdmin(actor);
    await this.findOrThrow(actor.companyId, id);
    return this.deps.repository.deliveries(actor.companyId, id, filter);
  }

  async redeliver(actor: Actor, deliveryId: string): Promise<DeliveryWithAttempts> {
    assertIsAdmin(actor);
    const existing = await this.deps.repository.delivery(actor.companyId, deliveryId);
    if (!existing) throw new NotFoundError('delivery.not_found', 'No such delivery.');
    const requeued = await this.deps.repository.requeue(actor.companyId, deliveryId, this.deps.clock.now());
    if (!requeued) {
      throw new ConflictError('delivery.in_progress', 'The delivery is still being attempted; wait for it to finish.');
    }
    this.deps.nudge();
    return { delivery: requeued, attempts: existing.attempts };
  }

  /** Queues a `ping` to the webhook (delivered and logged like any event). */
  async test(actor: Actor, id: string): Promise<DeliveryWithAttempts> {
    assertIsAdmin(actor);
    const webhook = await this.findOrThrow(actor.companyId, id);
    const now = this.deps.clock.now();
    const eventId = `evt_ping_${newId()}`;
    const delivery = await this.deps.repository.insertDelivery({
      id: newId(),
      companyId: actor.companyId,
      targetKind: 'webhook',
      targetId: webhook.id,
      eventSeq: null,
      eventId,
      eventType: 'ping',
      orderingKey: `ping:${eventId}`,
      payload: {
        id: eventId,
        type: 'ping',
        created_at: now.toISOString(),
        company_id: actor.companyId,
        data: { webhook_id: webhook.id, message: 'Switchboard webhook test' },
        links: { resource: null },
      },
      status: 'pending',
      nextAttemptAt: now,
      createdAt: now,
    });
    this.deps.nudge();
    return { delivery, attempts: [] };
  }

  /** The webhook as a target of the delivery outbox. */
  target(): DeliveryTarget {
    const { repository } = this.deps;
    return {
      kind: 'webhook',
      plan: async (db: Db, event: LoggedEvent, pass: PlanPass): Promise<PlannedDelivery[]> => {
        const facts = webhookEventOf(event.name, event.data);
        if (!facts) return [];
        const active = await pass.once(`webhooks:${event.companyId}`, () => repository.activeOf(db, event.companyId));
        const subscribers = active.filter((webhook) => isSubscribed(webhook, facts.type, event.at));
        const payload = buildPayload(event, facts, undefined) as unknown as Record<string, unknown>;
        return subscribers.map((webhook) => ({
          targetId: webhook.id,
          eventId: String(payload.id),
          eventType: facts.type,
          orderingKey: facts.orderingKey,
          payload,
        }));
      },
      prepare: async (delivery: ClaimedDelivery, now: Date): Promise<Preparation> => {
        const webhook = await repository.find(delivery.companyId, delivery.targetId);
        if (!webhook) return { skip: 'the webhook was deleted' };
        if (!webhook.isActive) return { skip: 'the webhook is disabled' };
        const body = JSON.stringify(delivery.payload);
        const unixSeconds = Math.floor(now.getTime() / 1000);
        return {
          request: {
            url: webhook.url,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'user-agent': 'Switchboard-Webhooks/1',
              'switchboard-event-id': delivery.eventId,
              'switchboard-event-type': delivery.eventType,
              'switchboard-delivery-id': delivery.id,
              'switchboard-signature': signatureHeader(body, unixSeconds, signingSecrets(webhook, now)),
            },
            body,
            checkUrl: (url) =>
              url.protocol === 'http:' && !webhook.allowHttp ? 'plain http is not allowed for this webhook' : undefined,
          },
        };
      },
      afterAttempt: async (delivery, isSuccess, now) => {
        await this.trackFailure(delivery.companyId, delivery.targetId, isSuccess, now);
      },
    };
  }

  /** Continuous failure since the last success; past 24 h the webhook is disabled and admins told. */
  private async trackFailure(companyId: string, webhookId: string, isSuccess: boolean, now: Date): Promise<void> {
    const { repository } = this.deps;
    const webhook = await repository.find(companyId, webhookId);
    if (!webhook) return;
    if (isSuccess) {
      if (webhook.failingSince) await repository.update(companyId, webhookId, { failingSince: null });
      return;
    }
    const failingSince = webhook.failingSince ?? now;
    if (!webhook.failingSince) await repository.update(companyId, webhookId, { failingSince });
    if (!webhook.isActive || now.getTime() - failingSince.getTime() < DISABLE_AFTER_MS) return;
    const reason = 'failing continuously for 24 hours';
    await repository.update(companyId, webhookId, { isActive: false, disabledAt: now, disabledReason: reason });
    await repository.failPending(companyId, webhookId);
    this.deps.logger.warn({ webhookId, companyId }, 'webhook disabled after continuous failure');
    try {
      await this.deps.publisher.publish({
        name: WEBHOOK_DISABLED_EVENT,
        companyId,
        audience: { managers: true },
        data: { webhook_id: webhookId, url: webhook.url, disabled_at: now.toISOString(), reason },
      });
    } catch (error) {
      this.deps.logger.error({ err: error, webhookId }, 'webhook disabled event not published');
    }
  }

  private async findOrThrow(companyId: string, id: string): Promise<WebhookRow> {
    const webhook = await this.deps.repository.find(companyId, id);
    if (!webhook) throw new NotFoundError('webhook.not_found', 'No such webhook.');
    return webhook;
  }

  /** HTTPS unless allowed; an address the outbound guard would refuse is refused now. */
  private assertUrl(raw: string, allowHttp: boolean): void {
    const url = new URL(raw);
    const invalid = (message: string) =>
      new ValidationError('webhook.url_not_allowed', message, [{ field: 'body.url', message }]);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) {
      throw invalid('The URL must use https (set allow_http to use plain http).');
    }
    if (url.username || url.password) throw invalid('The URL must not carry credentials.');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const address = isIP(host) !== 0 ? host : host.toLowerCase() === 'localhost' ? '127.0.0.1' : undefined;
    const refusal = address === undefined ? undefined : refusalOf(this.deps.allowList, host, address);
    if (refusal !== undefined) throw invalid(`The URL is not allowed: ${refusal}.`);
  }
}

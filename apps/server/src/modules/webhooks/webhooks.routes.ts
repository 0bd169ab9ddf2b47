import {
  createWebhookBodySchema,
  idParamsSchema,
  listDeliveriesQuerySchema,
  pageSchema,
  problemSchema,
  updateWebhookBodySchema,
  webhookDeliverySchema,
  webhookSchema,
  webhookWithSecretSchema,
  type WebhookDeliveryDto,
  type WebhookDto,
} from '@switchboard/contracts';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import type { DeliveryWithAttempts, WebhookRow } from './webhooks.repository.js';
import type { WebhooksService } from './webhooks.service.js';
import type { WebhookEventType } from './webhooks.js';
import { openapiWebhooks } from './webhooks.openapi.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

function toWebhookDto(row: WebhookRow): WebhookDto {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.eventTypes as WebhookEventType[],
    allow_http: row.allowHttp,
    is_active: row.isActive,
    secret_hint: row.secret.slice(-4),
    previous_secret_expires_at: row.previousSecretExpiresAt?.toISOString() ?? null,
    failing_since: row.failingSince?.toISOString() ?? null,
    disabled_at: row.disabledAt?.toISOString() ?? null,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function toDeliveryDto({ delivery, attempts }: DeliveryWithAttempts): WebhookDeliveryDto {
  return {
    id: delivery.id,
    webhook_id: delivery.targetKind === 'webhook' ? delivery.targetId : null,
    target: delivery.targetKind === 'rdstation' ? 'rdstation' : 'webhook',
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status as WebhookDeliveryDto['status'],
    attempts: attempts.map((a) => ({
      attempted_at: a.attemptedAt.toISOString(),
      response_status: a.responseStatus,
      latency_ms: a.latencyMs,
      response_body: a.responseBody,
      error: a.error,
    })),
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
    created_at: delivery.createdAt.toISOString(),
    payload: delivery.payload,
  };
}

export function registerWebhooksRoutes(app: TypedApp, webhooks: WebhooksService): void {
  const tags = ['webhooks'];

  app.get(
    '/api/webhooks',
    {
      config: {
        // The document's `webhooks` section (OpenAPI 3.1), written when the document is built.
        swaggerTransform: (input) => {
          if ('openapiObject' in input) (input.openapiObject as { webhooks?: unknown }).webhooks = openapiWebhooks();
          return jsonSchemaTransform(input);
        },
      },
      schema: {
        tags,
        summary: 'Your company’s event webhooks (admins); secrets are never returned',
        response: { 200: z.object({ items: z.array(webhookSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await webhooks.list(actorOf(request))).map(toWebhookDto) }),
  );

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'Subscribe a URL to events (admins); the secret is shown in this answer only',
        description:
          'Deliveries are signed `Switchboard-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` ' +
          '(see docs/webhooks.md). `webhook.url_not_allowed` (400): not https, or an address the ' +
          'outbound guard refuses.',
        body: createWebhookBodySchema,
        response: { 201: webhookWithSecretSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { webhook, secret } = await webhooks.create(actorOf(request), {
        url: body.url,
        description: body.description,
        eventTypes: body.event_types,
        secret: body.secret,
        allowHttp: body.allow_http,
        isActive: body.is_active,
      });
      return reply.status(201).send({ ...toWebhookDto(webhook), secret });
    },
  );

  app.get(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'One webhook (admins)',
        params: idParamsSchema,
        response: { 200: webhookSchema, ...errors },
      },
    },
    async (request) => toWebhookDto(await webhooks.get(actorOf(request), request.params.id)),
  );

  app.patch(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Change a webhook, re-enable it or rotate its secret (admins)',
        description:
          'With `rotate_secret`, the new secret is in this answer only and deliveries carry a second ' +
          '`v1=` signed with the previous secret for `overlap_seconds`.',
        params: idParamsSchema,
        body: updateWebhookBodySchema,
        response: { 200: webhookWithSecretSchema, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      const { webhook, secret } = await webhooks.update(actorOf(request), request.params.id, {
        url: body.url,
        description: body.description,
        eventTypes: body.event_types,
        allowHttp: body.allow_http,
        isActive: body.is_active,
        rotateSecret: body.rotate_secret
          ? { secret: body.rotate_secret.secret, overlapSeconds: body.rotate_secret.overlap_seconds }
          : undefined,
      });
      return { ...toWebhookDto(webhook), secret };
    },
  );

  app.delete(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook and its delivery log (admins)',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await webhooks.delete(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log of a webhook, newest first (admins)',
        description: 'Each delivery with every attempt: time, response status, latency, the first 2 KB, the error.',
        params: idParamsSchema,
        querystring: listDeliveriesQuerySchema,
        response: { 200: pageSchema(webhookDeliverySchema), ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const page = await webhooks.deliveries(actorOf(request), request.params.id, {
        status: query.status,
        eventType: query.event_type,
        cursor: query.cursor,
        limit: query.limit,
      });
      return { items: page.items.map(toDeliveryDto), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/api/webhooks/deliveries/:id/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a finished delivery again, same event id (admins)',
        description: '`delivery.in_progress` (409): it is still being attempted.',
        params: idParamsSchema,
        response: { 202: webhookDeliverySchema, 409: problemSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(toDeliveryDto(await webhooks.redeliver(actorOf(request), request.params.id))),
  );

  app.post(
    '/api/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Send a `ping` event to the webhook (admins)',
        params: idParamsSchema,
        response: { 202: webhookDeliverySchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(toDeliveryDto(await webhooks.test(actorOf(request), request.params.id))),
  );
}

/**
 * The OpenAPI 3.1 `webhooks` section: one entry per event type, its body generated from the
 * same zod schemas as the Socket.IO events (packages/contracts/src/webhooks.ts).
 */
import { pingEventSchema, webhookEnvelopeSchema, webhookEventCatalogue } from '@switchboard/contracts';
import { z } from 'zod';

const SIGNATURE_HEADER = {
  name: 'Switchboard-Signature',
  in: 'header',
  required: true,
  description:
    '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the webhook secret; during a ' +
    'rotation a second `v1=` is signed with the previous secret. Reject a stale `t` (replays).',
  schema: { type: 'string' },
};

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  // A registry of its own: every schema inline, no $ref into components the document may lack.
  const json = z.toJSONSchema(schema, {
    metadata: z.registry(),
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
  });
  delete (json as { $schema?: unknown }).$schema;
  return json;
}

function operation(type: string, description: string, data: z.ZodType): Record<string, unknown> {
  return {
    post: {
      summary: type,
      description,
      tags: ['webhooks'],
      parameters: [
        SIGNATURE_HEADER,
        { name: 'Switchboard-Event-Id', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'Switchboard-Event-Type', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'Switchboard-Delivery-Id', in: 'header', required: true, schema: { type: 'string' } },
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: jsonSchemaOf(webhookEnvelopeSchema(type, data)) } },
      },
      responses: {
        '200': { description: 'Any 2xx: delivered.' },
        '429': { description: 'Retried later, honouring Retry-After.' },
        '500': { description: 'Any 5xx, a timeout (10 s) or a network error: retried with backoff for 24 h.' },
      },
    },
  };
}

let cached: Record<string, unknown> | undefined;

export function openapiWebhooks(): Record<string, unknown> {
  cached ??= {
    ...Object.fromEntries(
      Object.entries(webhookEventCatalogue).map(([type, entry]) => [
        type,
        operation(type, entry.description, entry.data),
      ]),
    ),
    ping: operation('ping', 'Sent by POST /api/webhooks/:id/test.', pingEventSchema),
  };
  return cached;
}

/**
 * Integrations: event webhooks (catalogue, subscriptions, delivery log), API keys and the
 * RD Station Marketing connector. The event payloads reuse the schemas the Socket.IO
 * events carry, so the OpenAPI `webhooks` section and the sockets describe one shape.
 */
import { z } from 'zod';
import { callSchema } from './calls.js';
import { isoDateTime, paginationQuerySchema } from './common.js';
import { contactSchema, conversationEventSchema, messageSchema } from './conversations.js';
import { agentPresenceChangedSchema } from './presence.js';
import { queueEntrySchema } from './routing.js';

/** Contacts' own events (merge and erasure carry ids only: an erased contact has no data left). */
export const contactMergedEventSchema = z
  .object({ id: z.uuid(), merged_ids: z.array(z.uuid()).describe('contacts folded into this one') })
  .meta({ id: 'ContactMergedEvent' });
export const contactErasedEventSchema = z.object({ id: z.uuid() }).meta({ id: 'ContactErasedEvent' });
export const contactDeletedEventSchema = z.object({ id: z.uuid() }).meta({ id: 'ContactDeletedEvent' });

export const serviceLevelBreachedEventSchema = z
  .object({
    entry_id: z.uuid(),
    queue_id: z.uuid(),
    channel: z.string(),
    conversation_id: z.uuid().nullable(),
    call_id: z.uuid().nullable(),
    service_level_seconds: z.number().int(),
    original_enqueued_at: z.string(),
  })
  .meta({ id: 'ServiceLevelBreachedEvent' });

export const pingEventSchema = z.object({ webhook_id: z.uuid(), message: z.string() }).meta({ id: 'PingEvent' });

/** Every event type a webhook may ask for, with the schema of its `data` and a description. */
export const webhookEventCatalogue = {
  'call.started': { data: callSchema, description: 'A call started ringing (inbound or outbound).' },
  'call.answered': { data: callSchema, description: 'A call was answered.' },
  'call.ended': {
    data: callSchema,
    description: 'A call ended; `has_recording` tells whether its recording is available.',
  },
  'call.transferred': { data: callSchema, description: 'A call was transferred.' },
  'conversation.created': { data: conversationEventSchema, description: 'A conversation was opened.' },
  'conversation.assigned': { data: conversationEventSchema, description: 'A conversation was assigned to an agent.' },
  'conversation.closed': {
    data: conversationEventSchema,
    description: 'A conversation was closed; `rating` and `feedback` carry the customer’s rating.',
  },
  'conversation.rated': {
    data: conversationEventSchema,
    description:
      'The customer answered the rating question sent at close: `rating` (1–5), `rated_by: customer`, and `feedback` once they comment.',
  },
  'message.received': { data: messageSchema, description: 'A contact sent a message.' },
  'message.sent': { data: messageSchema, description: 'An agent or bot sent a message to a contact.' },
  'contact.created': { data: contactSchema, description: 'A contact was created.' },
  'contact.updated': { data: contactSchema, description: 'A contact was changed.' },
  'contact.merged': { data: contactMergedEventSchema, description: 'Contacts were merged into one.' },
  'contact.deleted': {
    data: contactDeletedEventSchema,
    description:
      'A contact was deleted (`DELETE /api/contacts/:id`): hidden, its identities released; its conversations and calls stay. Not an erasure.',
  },
  'contact.erased': { data: contactErasedEventSchema, description: 'A contact was erased (LGPD/GDPR).' },
  'queue_entry.abandoned': { data: queueEntrySchema, description: 'A customer left a queue before being served.' },
  'service_level.breached': {
    data: serviceLevelBreachedEventSchema,
    description: 'A queue entry waited past its queue’s service level.',
  },
  'agent.status_changed': { data: agentPresenceChangedSchema, description: 'An agent’s presence status changed.' },
} as const;

export type WebhookEventType = keyof typeof webhookEventCatalogue;
export const webhookEventTypes = Object.keys(webhookEventCatalogue) as [WebhookEventType, ...WebhookEventType[]];
export const webhookEventTypeSchema = z.enum(webhookEventTypes);

/** The envelope of every delivery; `data` is the event's, as on the socket. */
export function webhookEnvelopeSchema<T extends z.ZodType>(type: string, data: T) {
  return z.object({
    id: z.string().describe('the event’s id: the same on every retry and redelivery (deduplicate on it)'),
    type: z.literal(type),
    created_at: z.string().describe('when the event happened (ISO 8601)'),
    company_id: z.uuid(),
    data,
    links: z
      .object({ resource: z.string().nullable().describe('GET it with an API key for the full resource') })
      .describe('where to fetch the resource'),
  });
}

const webhookSecretSchema = z.string().min(24).max(256);

export const webhookUrlSchema = z.url({ protocol: /^https?$/ }).max(2048);

export const createWebhookBodySchema = z
  .object({
    url: webhookUrlSchema,
    description: z.string().trim().max(200).optional(),
    event_types: z.array(webhookEventTypeSchema).min(1).max(webhookEventTypes.length),
    secret: webhookSecretSchema.optional().describe('generated when omitted, and then shown once in the answer'),
    allow_http: z.boolean().default(false).describe('plain http:// URLs are refused unless this is true'),
    is_active: z.boolean().default(true),
  })
  .strict();

export const updateWebhookBodySchema = z
  .object({
    url: webhookUrlSchema,
    description: z.string().trim().max(200).nullable(),
    event_types: z.array(webhookEventTypeSchema).min(1).max(webhookEventTypes.length),
    allow_http: z.boolean(),
    is_active: z.boolean().describe('true re-enables a webhook that was disabled after continuous failure'),
    rotate_secret: z
      .object({
        secret: webhookSecretSchema.optional().describe('generated when omitted, and then shown once'),
        overlap_seconds: z
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 3600)
          .default(24 * 3600)
          .describe('how long deliveries are also signed with the previous secret'),
      })
      .strict(),
  })
  .partial()
  .strict();

export const webhookSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(webhookEventTypeSchema),
    allow_http: z.boolean(),
    is_active: z.boolean(),
    secret_hint: z.string().describe('the last 4 characters of the current secret'),
    previous_secret_expires_at: z.string().nullable().describe('until then deliveries carry both signatures'),
    failing_since: z.string().nullable(),
    disabled_at: z.string().nullable(),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Webhook' });
export type WebhookDto = z.infer<typeof webhookSchema>;

/** Creating a webhook or rotating its secret: the secret is in this answer only. */
export const webhookWithSecretSchema = webhookSchema
  .extend({ secret: z.string().nullable().describe('only when it was set or generated by this request') })
  .meta({ id: 'WebhookWithSecret' });

export const integrationDeliveryStatuses = ['pending', 'delivering', 'delivered', 'failed'] as const;
export const integrationDeliveryStatusSchema = z.enum(integrationDeliveryStatuses);

export const deliveryAttemptSchema = z.object({
  attempted_at: z.string(),
  response_status: z.number().int().nullable(),
  latency_ms: z.number().int(),
  response_body: z.string().nullable().describe('the first 2 KB of the answer'),
  error: z.string().nullable(),
});

export const webhookDeliverySchema = z
  .object({
    id: z.uuid(),
    webhook_id: z.uuid().nullable(),
    target: z.enum(['webhook', 'rdstation']),
    event_id: z.string(),
    event_type: z.string(),
    status: integrationDeliveryStatusSchema,
    attempts: z.array(deliveryAttemptSchema),
    next_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    payload: z.unknown().describe('the body sent'),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDeliveryDto = z.infer<typeof webhookDeliverySchema>;

export const listDeliveriesQuerySchema = paginationQuerySchema
  .extend({
    status: integrationDeliveryStatusSchema.optional(),
    event_type: z.string().max(80).optional(),
  })
  .strict();

export const webhookDisabledEventSchema = z.object({
  webhook_id: z.uuid(),
  url: z.string(),
  disabled_at: z.string(),
  reason: z.string(),
});

// API keys

export const apiKeyScopes = [
  'calls:read',
  'calls:write',
  'conversations:read',
  'conversations:write',
  'contacts:read',
  'contacts:write',
  'reports:read',
  'voicebot',
] as const;
export const apiKeyScopeSchema = z.enum(apiKeyScopes);
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

export const createApiKeyBodySchema = z
  .object({
    name: z.string().trim().min(1).max(80),
    scopes: z.array(apiKeyScopeSchema).min(1).max(apiKeyScopes.length),
    expires_at: isoDateTime.optional(),
  })
  .strict();

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(apiKeyScopeSchema),
    prefix: z.string().describe('the first characters of the key, to recognise it'),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyDto = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().describe('shown once: only its hash is stored') })
  .meta({ id: 'CreatedApiKey' });

// RD Station Marketing

/**
 * `conversation_rated`: the customer answered the rating question after the close.
 * `call_answered` waits out the call's wrap-up so the disposition the agent gives rides along.
 */
export const rdStationTriggers = [
  'contact_created',
  'conversation_closed',
  'conversation_rated',
  'call_answered',
  'call_abandoned',
] as const;
export const rdStationTriggerSchema = z.enum(rdStationTriggers);

/** Where a contact field goes in the conversion: RD's own field or a `cf_` custom field. */
const rdFieldSchema = z
  .string()
  .regex(
    /^(name|email|personal_phone|mobile_phone|job_title|company_name|city|state|country|tags|cf_[a-z0-9_]{1,60})$/,
  );

export const rdStationMappableFields = [
  'contact_name',
  'contact_email',
  'contact_phone',
  'conversation_rating',
  'conversation_feedback',
  'conversation_channel',
  'disposition',
  'call_direction',
  'call_duration_seconds',
  'queue_wait_seconds',
] as const;

export const putRdStationBodySchema = z
  .object({
    api_token: z.string().trim().min(8).max(256).optional().describe('write-only; required the first time'),
    is_active: z.boolean().default(true),
    conversions: z
      .array(
        z
          .object({
            trigger: rdStationTriggerSchema,
            conversion_identifier: z.string().trim().min(1).max(100),
          })
          .strict(),
      )
      .max(rdStationTriggers.length),
    field_mapping: z
      .partialRecord(z.enum(rdStationMappableFields), rdFieldSchema)
      .default({})
      .describe('our field → the RD Station field it fills (e.g. `conversation_rating` → `cf_nota`)'),
  })
  .strict();

export const rdStationSettingsSchema = z
  .object({
    is_configured: z.boolean(),
    is_active: z.boolean(),
    token_hint: z.string().nullable(),
    conversions: z.array(z.object({ trigger: rdStationTriggerSchema, conversion_identifier: z.string() })),
    field_mapping: z.record(z.string(), z.string()),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'RdStationSettings' });
export type RdStationSettingsDto = z.infer<typeof rdStationSettingsSchema>;

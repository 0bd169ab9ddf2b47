/**
 * Contacts as the identity hub (issue 13): one customer across WhatsApp, web chat, e-mail
 * and phone; their merged timeline; LGPD export and erasure. docs/adr/0021.
 */
import { z } from 'zod';
import { isoDateTime } from './common.js';

export const contactIdentityKindSchema = z.enum(['phone', 'whatsapp', 'email', 'webchat']);
export type ContactIdentityKind = z.infer<typeof contactIdentityKindSchema>;

export const contactIdentityInputSchema = z
  .object({
    kind: contactIdentityKindSchema,
    value: z.string().trim().min(1).max(128),
  })
  .strict();

export const contactIdentityItemSchema = z
  .object({
    id: z.string(),
    kind: contactIdentityKindSchema,
    value: z.string(),
  })
  .meta({ id: 'ContactIdentity' });

export const contactLabelSchema = z.object({ id: z.uuid(), name: z.string(), colour: z.string() });

/** At most 8 KiB of JSON, an object at the top. */
export const CUSTOM_ATTRIBUTES_MAX_BYTES = 8192;
export const customAttributesSchema = z
  .record(z.string().min(1).max(64), z.unknown())
  .refine((value) => JSON.stringify(value).length <= CUSTOM_ATTRIBUTES_MAX_BYTES, {
    message: `at most ${CUSTOM_ATTRIBUTES_MAX_BYTES} bytes of JSON`,
  });

export const contactRecordSchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    phone: z.string().nullable().describe('the primary phone number, E.164'),
    email: z.string().nullable(),
    identities: z.array(contactIdentityItemSchema),
    custom_attributes: z.record(z.string(), z.unknown()),
    labels: z.array(contactLabelSchema),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'ContactRecord' });
export type ContactRecordDto = z.infer<typeof contactRecordSchema>;

export const createContactBodySchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    identities: z.array(contactIdentityInputSchema).max(20).default([]),
    custom_attributes: customAttributesSchema.default({}),
  })
  .strict();

export const updateContactBodySchema = z
  .object({
    name: z.string().trim().min(1).max(120).nullable().optional(),
    /** Replaces the contact's identities with these. */
    identities: z.array(contactIdentityInputSchema).max(20).optional(),
    custom_attributes: customAttributesSchema.optional(),
  })
  .strict();

export const listContactsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    q: z.string().trim().min(1).max(120).optional().describe('part of the name, phone number or e-mail'),
    label_id: z.uuid().optional(),
    channel: z.enum(['whatsapp', 'webchat', 'voice']).optional().describe('contacts with a conversation there'),
  })
  .strict();

export const mergeContactBodySchema = z.object({ other_id: z.uuid() }).strict();

export const eraseContactBodySchema = z
  .object({
    confirmation: z.enum(['APAGAR', 'ERASE']).describe('typed by the administrator: APAGAR (pt-BR) or ERASE'),
  })
  .strict();

export const contactSettingsSchema = z
  .object({
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. BR')
      .describe('region of phone numbers written without a country code'),
  })
  .meta({ id: 'ContactSettings' });

// ── timeline ────────────────────────────────────────────────────────────────

export const timelineItemTypeSchema = z.enum(['message', 'call', 'voicemail', 'voicebot_call', 'event', 'note']);
export type TimelineItemType = z.infer<typeof timelineItemTypeSchema>;

export const timelineQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    channel: z.enum(['whatsapp', 'webchat', 'voice']).optional(),
    type: timelineItemTypeSchema.optional(),
  })
  .strict();

const timelineCallSchema = z.object({
  call_id: z.uuid(),
  direction: z.string(),
  status: z.string(),
  from_number: z.string(),
  to_number: z.string(),
  agent_id: z.uuid().nullable(),
  agent_name: z.string().nullable(),
  queue_id: z.uuid().nullable(),
  queue_name: z.string().nullable(),
  wait_seconds: z.number().int().nullable(),
  talk_seconds: z.number().int().nullable(),
  disposition: z.object({ code: z.string(), label: z.string() }).nullable(),
  notes: z.array(z.object({ body: z.string(), author_id: z.uuid(), created_at: isoDateTime })),
  recording_url: z.string().nullable().describe('only for the call’s agent and managers'),
  started_at: isoDateTime,
  answered_at: isoDateTime.nullable(),
  ended_at: isoDateTime.nullable(),
});

const timelineVoicebotSchema = z.object({
  voicebot_call_id: z.uuid(),
  role: z.string(),
  status: z.string(),
  outcome: z.string().nullable(),
  unit_number: z.string().nullable(),
  visitor_name: z.string().nullable(),
  purpose: z.string().nullable(),
  transcript: z.array(z.object({ who: z.string(), text: z.string(), at: isoDateTime })),
});

export const timelineItemSchema = z
  .object({
    id: z.string(),
    type: timelineItemTypeSchema,
    at: isoDateTime,
    conversation_id: z.uuid().nullable(),
    channel: z.string().nullable(),
    message: z
      .object({
        message_id: z.uuid(),
        direction: z.string(),
        author_type: z.string(),
        author_id: z.uuid().nullable(),
        text: z.string().nullable(),
        media_url: z.string().nullable(),
        media_kind: z.string().nullable(),
      })
      .nullable(),
    call: timelineCallSchema.nullable(),
    voicebot_call: timelineVoicebotSchema.nullable(),
    note: z.object({ note_id: z.uuid(), body: z.string(), author_id: z.uuid() }).nullable(),
  })
  .meta({ id: 'TimelineItem' });
export type TimelineItemDto = z.infer<typeof timelineItemSchema>;

// ── screen pop ──────────────────────────────────────────────────────────────

export const contactSummarySchema = z
  .object({
    contact_id: z.uuid(),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    labels: z.array(contactLabelSchema),
    open_conversation_id: z.uuid().nullable(),
    recent_conversations: z.array(
      z.object({
        conversation_id: z.uuid(),
        channel: z.string(),
        status: z.string(),
        last_message_preview: z.string().nullable(),
        last_activity_at: isoDateTime,
      }),
    ),
  })
  .meta({ id: 'ContactSummary' });
export type ContactSummaryDto = z.infer<typeof contactSummarySchema>;

/** `call_contact_identified`: sent to the agent offered or rung for a call, before answer. */
export const callContactIdentifiedEventSchema = z.object({
  call_id: z.uuid(),
  offer_id: z.uuid().nullable(),
  contact: contactSummarySchema,
});

// ── the contact panel beside a conversation ─────────────────────────────────

/**
 * `GET /api/contacts/:id/summary`: the card and the timeline's summary an agent sees beside a
 * conversation or call they handle (managers: always).
 */
export const contactPanelSchema = z
  .object({
    contact: contactRecordSchema,
    conversations: z.array(
      z.object({
        conversation_id: z.uuid(),
        channel: z.string(),
        status: z.string(),
        assignee_id: z.uuid().nullable(),
        last_message_preview: z.string().nullable(),
        last_activity_at: isoDateTime,
      }),
    ),
    calls: z.array(
      z.object({
        call_id: z.uuid(),
        direction: z.string(),
        status: z.string(),
        agent_name: z.string().nullable(),
        talk_seconds: z.number().int().nullable(),
        disposition: z.object({ code: z.string(), label: z.string() }).nullable(),
        conversation_id: z.uuid().nullable(),
        started_at: isoDateTime,
      }),
    ),
    notes: z.array(
      z.object({
        note_id: z.uuid(),
        conversation_id: z.uuid().nullable(),
        body: z.string(),
        author_id: z.uuid(),
        created_at: isoDateTime,
      }),
    ),
  })
  .meta({ id: 'ContactPanel' });
export type ContactPanelDto = z.infer<typeof contactPanelSchema>;

// ── LGPD export ─────────────────────────────────────────────────────────────

export const contactExportSchema = z
  .object({
    exported_at: isoDateTime,
    contact: contactRecordSchema,
    conversations: z.array(z.record(z.string(), z.unknown())),
    calls: z.array(z.record(z.string(), z.unknown())),
    voicebot_calls: z.array(z.record(z.string(), z.unknown())),
    files: z.array(z.object({ kind: z.string(), url: z.string(), expires_at: isoDateTime })),
  })
  .meta({ id: 'ContactExport' });

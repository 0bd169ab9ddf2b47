import { z } from 'zod';
import { messageContentSchema, messageReplyToSchema, templateSendSchema } from './messaging.js';
import { emailSchema } from './auth.js';
import { isoDateTime, paginationQuerySchema } from './common.js';

export const conversationChannels = ['whatsapp', 'webchat', 'voice'] as const;
export const conversationChannelSchema = z.enum(conversationChannels);
export const conversationStatuses = ['open', 'pending', 'resolved', 'snoozed'] as const;
export const conversationStatusSchema = z.enum(conversationStatuses);
export const conversationPriorities = ['low', 'normal', 'high', 'urgent'] as const;
export const conversationPrioritySchema = z.enum(conversationPriorities);
export const conversationFilters = ['mine', 'unassigned', 'awaiting_human', 'favorites'] as const;

export const messageDirections = ['inbound', 'outbound', 'internal'] as const;
export const messageAuthorTypes = ['contact', 'agent', 'bot', 'system'] as const;
export const messageTypes = ['text', 'media', 'system'] as const;
export const deliveryStatuses = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export const deliveryStatusSchema = z.enum(deliveryStatuses);

/** A phone number in E.164: `+` and 8 to 15 digits (spaces, dots, dashes and brackets are dropped). */
export const e164Schema = z
  .string()
  .trim()
  .transform((value) => value.replace(/[\s().-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9][0-9]{7,14}$/, 'must be a phone number in E.164, e.g. +5511987654321'));

export const contactIdentitySchema = z.object({
  channel: conversationChannelSchema,
  external_id: z.string().describe('the contact on that channel, e.g. the WhatsApp id (wa_id)'),
});

export const contactSchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    phone: z.string().nullable().describe('E.164'),
    email: z.string().nullable(),
    identities: z.array(contactIdentitySchema),
    created_at: z.string(),
  })
  .meta({ id: 'Contact' });
export type ContactDto = z.infer<typeof contactSchema>;

const conversationFields = {
  id: z.uuid(),
  conversation_id: z.uuid().describe('the same as id; the name events and the typing API use'),
  channel: conversationChannelSchema,
  status: conversationStatusSchema,
  snoozed_until: z.string().nullable(),
  awaiting_human: z.boolean().describe('in the waiting queue: any available agent may take it'),
  assignee_id: z.uuid().nullable(),
  priority: conversationPrioritySchema,
  rating: z.number().int().min(1).max(5).nullable(),
  rated_by: z.enum(['agent', 'customer']).nullable().describe('who gave `rating`; CSAT counts the customer’s'),
  feedback: z.string().nullable(),
  window_expires_at: z
    .string()
    .nullable()
    .describe(
      'WhatsApp: free text and files may be sent until then (24 h after the contact’s last message); ' +
        'after it, templates only. Null: no window (never written by the contact, or not WhatsApp)',
    ),
  contact: contactSchema,
  last_message_at: z.string().nullable(),
  last_message_preview: z.string().nullable(),
  last_activity_at: z.string(),
  resolved_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

/** A conversation as an agent reads it: `favorite` is that agent's own star. */
export const conversationSchema = z
  .object({
    ...conversationFields,
    favorite: z.boolean().describe('starred by the calling user'),
    last_read_at: z.string().nullable().describe('when the calling user last marked it read; null if never'),
  })
  .meta({ id: 'Conversation' });
export type ConversationDto = z.infer<typeof conversationSchema>;

/** The data of conversation events: the same fields without the per-user `favorite`. */
export const conversationEventSchema = z
  .object({ ...conversationFields, previous_assignee_id: z.uuid().nullable().optional() })
  .meta({ id: 'ConversationEvent' });
export type ConversationEventDto = z.infer<typeof conversationEventSchema>;

export const messageMediaSchema = z.object({
  kind: z.enum(['image', 'audio', 'video', 'document', 'sticker']),
  media_id: z.string().describe('the channel’s media id (WhatsApp: fetch it through the Graph API)'),
  mime_type: z.string().nullable(),
  caption: z.string().nullable(),
  filename: z.string().nullable(),
  sha256: z.string().nullable(),
  status: z
    .enum(['pending', 'stored', 'failed', 'deleted'])
    .describe(
      'pending: being fetched from the channel; stored: `url` serves it; failed: see failure_reason; ' +
        'deleted: removed after MEDIA_RETENTION_DAYS',
    ),
  size_bytes: z.number().int().nullable(),
  url: z.string().nullable().describe('the file, once stored (GET with the bearer token)'),
  failure_reason: z.string().nullable(),
});

export const messageSchema = z
  .object({
    id: z.uuid(),
    message_id: z.uuid().describe('the same as id'),
    conversation_id: z.uuid(),
    direction: z.enum(messageDirections).describe('internal: in the timeline only, never sent to the contact'),
    author_type: z.enum(messageAuthorTypes),
    author_id: z.uuid().nullable().describe('the agent, for messages written by one'),
    type: z.enum(messageTypes),
    text: z.string().nullable(),
    media: messageMediaSchema.nullable(),
    status: deliveryStatusSchema.nullable().describe('delivery of outbound messages; null otherwise'),
    failure_reason: z.string().nullable(),
    channel_message_id: z.string().nullable().describe('e.g. the WhatsApp message id (wamid)'),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    content: messageContentSchema.nullable().describe('what the message is besides text (location, template …)'),
    reply_to: messageReplyToSchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Message' });
export type MessageDto = z.infer<typeof messageSchema>;

export const listConversationsQuerySchema = paginationQuerySchema
  .extend({
    status: conversationStatusSchema.optional(),
    channel: conversationChannelSchema.optional(),
    assignee: z.uuid().optional().describe('conversations assigned to this user'),
    filter: z.enum(conversationFilters).optional(),
    q: z.string().trim().min(1).max(120).optional().describe('matches the contact’s name, phone or email'),
    label: z.uuid().optional().describe('only conversations carrying this label'),
  })
  .strict();

export const listMessagesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().max(200).optional().describe('the `next_cursor` of the previous page'),
  })
  .strict();

export const createConversationBodySchema = z
  .object({
    channel: conversationChannelSchema,
    contact: z
      .object({
        name: z.string().trim().min(1).max(120).optional(),
        phone: e164Schema.optional(),
        email: emailSchema.optional(),
      })
      .strict()
      .refine((c) => c.phone !== undefined || c.email !== undefined, {
        message: 'a phone or an email is required',
        path: ['phone'],
      }),
    priority: conversationPrioritySchema.optional(),
  })
  .strict();

export const updateConversationBodySchema = z.object({ priority: conversationPrioritySchema }).strict();

/**
 * A reply: text; a file uploaded before (`attachment`, with an optional caption); or a
 * WhatsApp template (the only thing sent after the 24-hour window). A file may also come
 * as multipart/form-data (`file`, `caption`) to the same endpoint.
 */
export const sendMessageBodySchema = z.union([
  z.object({ text: z.string().trim().min(1).max(4096) }).strict(),
  z
    .object({
      attachment: z.object({ upload_id: z.uuid() }).strict(),
      caption: z.string().trim().min(1).max(1024).optional(),
    })
    .strict(),
  z.object({ template: templateSendSchema }).strict(),
]);

export const assignConversationBodySchema = z.object({ agent_id: z.uuid() }).strict();

export const closeConversationBodySchema = z
  .object({
    rating: z.number().int().min(1).max(5).optional().describe('customer satisfaction, 1 to 5'),
    feedback: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();

export const snoozeConversationBodySchema = z.object({ until: isoDateTime }).strict();

export const favoriteResponseSchema = z.object({ conversation_id: z.uuid(), favorite: z.boolean() });
export const readResponseSchema = z.object({ conversation_id: z.uuid(), last_read_at: z.string() });

export const videoCallResponseSchema = z
  .object({
    video_url: z.string().describe('your link to the room (with your token when Jitsi JWT is configured)'),
    room_name: z.string(),
    expires_at: z.string(),
    message: messageSchema.describe('the system message that sent the contact their link'),
  })
  .meta({ id: 'VideoCall' });

export const voiceCallResponseSchema = z
  .object({
    call_id: z.uuid(),
    call_status: z.string(),
    message: messageSchema.describe('the system message that links the call to the conversation'),
  })
  .meta({ id: 'VoiceCall' });

export const typingBodySchema = z.object({ conversation_id: z.uuid() }).strict();
export const typingQuerySchema = typingBodySchema;
export const typingStateSchema = z.object({
  conversation_id: z.uuid(),
  is_typing: z.boolean(),
  expires_at: z.string().nullable().describe('when the indicator stops unless renewed'),
});
/** The `typing` client event over Socket.IO. */
export const typingCommandSchema = z.object({ conversation_id: z.uuid(), is_typing: z.boolean() }).strict();

/**
 * WhatsApp beyond text (issue 14): what a message is besides its text (`content`), files
 * agents upload to send, the company's message templates, the texts Switchboard writes to
 * customers on its own, and customer ratings.
 */
import { z } from 'zod';

// ── what a message carries besides text ─────────────────────────────────────────

const locationContent = z.object({
  kind: z.literal('location'),
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().nullable(),
  address: z.string().nullable(),
});

const sharedContact = z.object({
  name: z.string(),
  phones: z.array(z.object({ phone: z.string(), wa_id: z.string().nullable(), type: z.string().nullable() })),
  emails: z.array(z.string()),
});

const contactsContent = z.object({ kind: z.literal('contacts'), contacts: z.array(sharedContact) });

const reactionContent = z.object({
  kind: z.literal('reaction'),
  /** Empty when the contact took their reaction back. */
  emoji: z.string(),
  target_channel_message_id: z.string(),
});

const interactiveReplyContent = z.object({
  kind: z.literal('interactive_reply'),
  reply_type: z.enum(['button', 'list']),
  reply_id: z.string().nullable(),
  title: z.string(),
});

const unsupportedContent = z.object({
  kind: z.literal('unsupported'),
  /** WhatsApp's type for it (`unsupported`, `order`, `system` …). */
  whatsapp_type: z.string(),
});

const storedTemplateHeader = z.union([
  z.object({
    kind: z.enum(['image', 'video', 'document']),
    /** Null: the file is the message's own `media` (an upload). */
    link: z.string().nullable(),
    filename: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('location'),
    latitude: z.number(),
    longitude: z.number(),
    name: z.string().nullable(),
    address: z.string().nullable(),
  }),
]);

const templateContent = z.object({
  kind: z.literal('template'),
  name: z.string(),
  language: z.string(),
  variables: z.record(z.string(), z.string()),
  /** What filled a media or location header. */
  header: storedTemplateHeader.optional(),
});

const interactiveOption = z.object({ id: z.string(), title: z.string(), description: z.string().nullable() });

const interactiveContent = z.object({
  kind: z.literal('interactive'),
  /** `button`: up to 3 reply buttons; `list`: up to 10 rows behind a button. */
  style: z.enum(['button', 'list']),
  /** What the message is for: the routing menu, or the customer's rating. */
  purpose: z.enum(['menu', 'rating']),
  /** The text over the buttons (the message's `text` also lists the options, for other channels and agents). */
  body: z.string(),
  button_label: z.string().nullable(),
  options: z.array(interactiveOption),
});

export const messageContentSchema = z
  .discriminatedUnion('kind', [
    locationContent,
    contactsContent,
    reactionContent,
    interactiveReplyContent,
    unsupportedContent,
    templateContent,
    interactiveContent,
  ])
  .meta({ id: 'MessageContent' });
export type MessageContentDto = z.infer<typeof messageContentSchema>;

export const messageReplyToSchema = z
  .object({
    message_id: z.uuid().nullable().describe('ours, when the quoted message is stored'),
    channel_message_id: z.string(),
  })
  .describe('the message this one replies to (WhatsApp: context)');

// ── files agents send ──────────────────────────────────────────────────────────

export const uploadKinds = ['image', 'document', 'audio', 'video'] as const;

export const uploadSchema = z
  .object({
    upload_id: z.uuid(),
    kind: z.enum(uploadKinds),
    mime_type: z.string(),
    filename: z.string().nullable(),
    size_bytes: z.number().int(),
    created_at: z.string(),
  })
  .meta({ id: 'Upload' });
export type UploadDto = z.infer<typeof uploadSchema>;

// ── WhatsApp message templates ─────────────────────────────────────────────────

export const templateVariableSchema = z.object({
  key: z
    .string()
    .describe('how `variables` names it: `1`, `first_name` (body), `header.1`, `button.0.1` (a URL button suffix)'),
  component: z.enum(['header', 'body', 'button']),
  example: z.string().nullable(),
});

export const whatsAppTemplateSchema = z
  .object({
    id: z.uuid(),
    template_id: z.string().describe('Meta’s id'),
    name: z.string(),
    language: z.string().describe('Meta’s code, e.g. pt_BR'),
    status: z.string().describe('APPROVED, PENDING, REJECTED, PAUSED, DISABLED …; only APPROVED ones are sent'),
    status_reason: z.string().nullable(),
    category: z.string().nullable(),
    parameter_format: z.enum(['POSITIONAL', 'NAMED']),
    body: z.string().nullable().describe('the body text, placeholders included'),
    header_format: z
      .enum(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION', 'OTHER'])
      .nullable()
      .describe(
        'IMAGE, VIDEO, DOCUMENT, LOCATION: send it with `template.header`; OTHER (a GIF, a product): not sendable',
      ),
    components: z.array(z.record(z.string(), z.unknown())).describe('Meta’s components, as given'),
    variables: z.array(templateVariableSchema),
    synced_at: z.string(),
  })
  .meta({ id: 'WhatsAppTemplate' });
export type WhatsAppTemplateDto = z.infer<typeof whatsAppTemplateSchema>;

export const listTemplatesQuerySchema = z
  .object({
    refresh: z.enum(['true', 'false']).optional().describe('sync from the Graph API first'),
    status: z.string().trim().min(1).max(32).optional().describe('e.g. APPROVED'),
  })
  .strict();

export const templateListSchema = z.object({
  items: z.array(whatsAppTemplateSchema),
  synced_at: z.string().nullable().describe('when the cache was last synced from the Graph API'),
});

export const templateSendSchema = z
  .object({
    name: z.string().trim().min(1).max(512),
    language: z.string().trim().min(2).max(15),
    variables: z
      .union([z.array(z.string().max(1024)).max(60), z.record(z.string().max(64), z.string().max(1024))])
      .optional()
      .describe('by key (see the template’s `variables`), or the body’s positional values in order'),
    header: z
      .union([
        z
          .object({
            kind: z.enum(['image', 'video', 'document']),
            link: z
              .url({ protocol: /^https$/ })
              .max(2048)
              .optional()
              .describe('a public https:// address of the file'),
            upload_id: z.uuid().optional().describe('or a file uploaded with POST …/attachments'),
            filename: z.string().trim().min(1).max(240).optional().describe('documents: the name the customer sees'),
          })
          .strict(),
        z
          .object({
            kind: z.literal('location'),
            latitude: z.number().min(-90).max(90),
            longitude: z.number().min(-180).max(180),
            name: z.string().trim().min(1).max(1000).optional(),
            address: z.string().trim().min(1).max(1000).optional(),
          })
          .strict(),
      ])
      .optional()
      .describe(
        'what fills a template’s IMAGE, VIDEO, DOCUMENT or LOCATION header (required for those, refused for others): ' +
          'a link or an upload of that kind, or a place. `template.invalid_header` (422).',
      ),
  })
  .strict();

// ── texts Switchboard writes to customers on its own ───────────────────────────

export const customerMessageKeys = [
  'video_link',
  'call_notice',
  'queue_position',
  'queue_next',
  'menu',
  'menu_retry',
  'rating_question',
  'rating_thanks',
  'closing',
  'business_hours',
] as const;
export const customerMessageKeySchema = z.enum(customerMessageKeys);
export type CustomerMessageKey = z.infer<typeof customerMessageKeySchema>;

export const customerLanguages = ['pt-BR', 'en', 'es'] as const;
export const customerLanguageSchema = z.enum(customerLanguages);

export const customerMessageSchema = z.object({
  key: customerMessageKeySchema,
  text: z.string().describe('what is sent (the company’s wording, else the default in `language`)'),
  default_text: z.string(),
  is_custom: z.boolean(),
  variables: z.array(z.string()).describe('the placeholders it may use, e.g. {{contact.name}}'),
});

export const customerMessagesSchema = z
  .object({
    language: customerLanguageSchema,
    rating_enabled: z.boolean().describe('ask the customer for a rating when a conversation is closed'),
    messages: z.array(customerMessageSchema),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'CustomerMessages' });
export type CustomerMessagesDto = z.infer<typeof customerMessagesSchema>;

export const updateCustomerMessagesBodySchema = z
  .object({
    language: customerLanguageSchema.optional(),
    rating_enabled: z.boolean().optional(),
    /** A null text goes back to the default. */
    texts: z.partialRecord(customerMessageKeySchema, z.string().trim().min(1).max(1024).nullable()).optional(),
  })
  .strict();

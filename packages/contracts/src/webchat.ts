import { z } from 'zod';

/** Each field of a web-chat channel's pre-chat form: not asked, asked, or required. */
export const prechatRequirementSchema = z.enum(['off', 'optional', 'required']);
const colorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');

export const webchatPrechatFieldsSchema = z
  .object({ name: prechatRequirementSchema, email: prechatRequirementSchema, phone: prechatRequirementSchema })
  .strict();

export const webchatColorsSchema = z.object({ primary: colorSchema, text: colorSchema }).strict();

/** A web-chat channel as admins see it (`GET /api/channels/webchat/:id`). */
export const webchatChannelSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  allowed_origins: z.array(z.string()).describe('pages that may embed the widget: scheme://host[:port]'),
  greeting: z.string().nullable(),
  prechat_fields: webchatPrechatFieldsSchema,
  default_queue_id: z.uuid().nullable(),
  offline_message: z.string().nullable().describe('shown, with a leave-a-message form, when the queue is closed'),
  colors: webchatColorsSchema,
  embed_snippet: z.string().describe('the <script> tag to paste into the site, with this server’s address'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type WebchatChannelDto = z.infer<typeof webchatChannelSchema>;

const channelFields = {
  name: z.string().trim().min(1).max(100),
  allowed_origins: z.array(z.string().max(200)).max(50),
  greeting: z.string().trim().max(500).nullable(),
  prechat_fields: webchatPrechatFieldsSchema,
  default_queue_id: z.uuid().nullable(),
  offline_message: z.string().trim().max(500).nullable(),
  colors: webchatColorsSchema,
};

export const createWebchatChannelBodySchema = z
  .object({
    ...channelFields,
    allowed_origins: channelFields.allowed_origins.default([]),
    greeting: channelFields.greeting.optional(),
    prechat_fields: channelFields.prechat_fields.optional(),
    default_queue_id: channelFields.default_queue_id.optional(),
    offline_message: channelFields.offline_message.optional(),
    colors: channelFields.colors.optional(),
  })
  .strict();
export type CreateWebchatChannelBody = z.input<typeof createWebchatChannelBodySchema>;

export const updateWebchatChannelBodySchema = z.object(channelFields).partial().strict();
export type UpdateWebchatChannelBody = z.input<typeof updateWebchatChannelBodySchema>;

/** What the widget reads of its channel (`GET /webchat/v1/channels/:id`), public for allowed pages. */
export const webchatPublicChannelSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  greeting: z.string().nullable(),
  prechat_fields: webchatPrechatFieldsSchema,
  offline_message: z.string().nullable(),
  colors: webchatColorsSchema,
  is_open: z.boolean(),
});

const prechatAnswer = z.string().max(254).nullable().optional();
export const webchatPrechatBodySchema = z
  .object({ name: prechatAnswer, email: prechatAnswer, phone: prechatAnswer })
  .strict();

export const webchatSessionBodySchema = webchatPrechatBodySchema.extend({ channel_id: z.uuid() }).strict();

export const webchatSessionSchema = z.object({
  token: z.string().describe('the visitor token: `auth: {token}` on the /webchat namespace, Bearer on /webchat/v1'),
  visitor_id: z.uuid(),
  channel: webchatPublicChannelSchema,
});

export const webchatUploadSchema = z.object({
  upload_id: z.uuid(),
  kind: z.enum(['image', 'document']),
  mime_type: z.string(),
  filename: z.string().nullable(),
  size_bytes: z.number().int(),
});

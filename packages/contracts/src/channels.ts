import { z } from 'zod';

/** Configuring the company's WhatsApp Cloud API number (admins). Secrets are write-only. */
export const configureWhatsAppBodySchema = z
  .object({
    phone_number_id: z
      .string()
      .trim()
      .regex(/^[0-9]{1,32}$/, 'must be the numeric phone number id from Meta'),
    access_token: z.string().trim().min(16).max(1024),
    app_secret: z.string().trim().min(16).max(256),
    verify_token: z.string().trim().min(12).max(256),
    business_account_id: z
      .string()
      .trim()
      .regex(/^[0-9]{1,32}$/, 'must be the numeric WhatsApp Business Account id from Meta')
      .optional()
      .describe('where the message templates live (needed to list and send templates)'),
  })
  .strict();

export const channelSchema = z
  .object({
    channel: z.enum(['whatsapp', 'webchat', 'voice']),
    is_configured: z.boolean(),
    provider: z.string().describe('whatsapp_cloud_api, builtin'),
    phone_number_id: z.string().nullable(),
    business_account_id: z.string().nullable(),
    webhook_path: z.string().nullable().describe('where the provider delivers (configure it at the provider)'),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'Channel' });
export type ChannelDto = z.infer<typeof channelSchema>;

export const whatsAppVerificationQuerySchema = z.object({
  'hub.mode': z.string().optional(),
  'hub.verify_token': z.string().max(256).optional(),
  'hub.challenge': z.string().max(256).optional(),
});

export const webhookReceiptSchema = z.object({
  status: z.literal('ok'),
  messages_stored: z.number().int(),
  duplicates: z.number().int().describe('messages already stored by an earlier delivery'),
  statuses_applied: z.number().int(),
  templates_updated: z.number().int().describe('cached templates whose status Meta changed'),
});

/**
 * WhatsApp Cloud API webhooks: the `X-Hub-Signature-256` check and the `messages` field's
 * payload (`object: whatsapp_business_account`, `entry[].changes[].value` with `metadata`,
 * `contacts`, `messages`, `statuses`), normalised. Fields we do not use are ignored, so a
 * payload with new fields still parses.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export type WhatsAppMediaKind = 'image' | 'audio' | 'video' | 'document' | 'sticker';

export interface WhatsAppInboundMessage {
  phoneNumberId: string;
  /** The wamid. */
  messageId: string;
  /** The sender's WhatsApp id (wa_id). */
  from: string;
  /** `+` and the digits of the wa_id, when they make a number. */
  phone: string | null;
  profileName: string | null;
  sentAt: Date | null;
  kind: 'text' | 'media';
  text: string | null;
  media: {
    kind: WhatsAppMediaKind;
    mediaId: string;
    mimeType: string | null;
    caption: string | null;
    filename: string | null;
    sha256: string | null;
  } | null;
}

export interface WhatsAppStatusUpdate {
  phoneNumberId: string;
  messageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  recipientId: string | null;
  /** `<code> <title>: <details>` of the first error of a failed message. */
  error: string | null;
}

export interface WhatsAppDelivery {
  /** Every business number the delivery names; each must belong to a configured channel. */
  phoneNumberIds: string[];
  messages: WhatsAppInboundMessage[];
  statuses: WhatsAppStatusUpdate[];
  /** Message types we do not store (reactions, system notices …), for the log. */
  ignored: string[];
}

const mediaSchema = z.object({
  id: z.string(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});

const errorSchema = z.object({
  code: z.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
});

const messageSchema = z.object({
  from: z.string(),
  id: z.string().min(1),
  timestamp: z.string().optional(),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  image: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  video: mediaSchema.optional(),
  document: mediaSchema.optional(),
  sticker: mediaSchema.optional(),
  button: z.object({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  interactive: z
    .object({
      type: z.string().optional(),
      button_reply: z.object({ id: z.string().optional(), title: z.string() }).optional(),
      list_reply: z.object({ id: z.string().optional(), title: z.string() }).optional(),
    })
    .optional(),
  location: z
    .object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
});

const statusSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  errors: z.array(errorSchema).optional(),
});

const payloadSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string().optional(),
      changes: z.array(
        z.object({
          field: z.string(),
          value: z.object({
            metadata: z.object({ phone_number_id: z.string().min(1) }).optional(),
            contacts: z
              .array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).optional() }))
              .optional(),
            messages: z.array(messageSchema).optional(),
            statuses: z.array(statusSchema).optional(),
          }),
        }),
      ),
    }),
  ),
});

export const WHATSAPP_SIGNATURE_HEADER = 'x-hub-signature-256';

/** `sha256=<hex>` of HMAC-SHA256(app secret, the raw body), compared in constant time. */
export function isValidSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signatureOf(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** `+` and the digits of a wa_id (the number in international form), or null. */
export function phoneOfWaId(waId: string): string | null {
  return /^[1-9][0-9]{7,14}$/.test(waId) ? `+${waId}` : null;
}

/** Undefined when the body is not a WhatsApp Business Account delivery. */
export function parseDelivery(body: unknown): WhatsAppDelivery | undefined {
  const parsed = payloadSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const delivery: WhatsAppDelivery = { phoneNumberIds: [], messages: [], statuses: [], ignored: [] };
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const { value } = change;
      const phoneNumberId = value.metadata?.phone_number_id;
      if (!phoneNumberId) continue;
      if (!delivery.phoneNumberIds.includes(phoneNumberId)) delivery.phoneNumberIds.push(phoneNumberId);
      const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const message of value.messages ?? []) {
        const normalised = normaliseMessage(phoneNumberId, message, names.get(message.from) ?? null);
        if (normalised) delivery.messages.push(normalised);
        else delivery.ignored.push(message.type);
      }
      for (const status of value.statuses ?? []) {
        const normalised = normaliseStatus(phoneNumberId, status);
        if (normalised) delivery.statuses.push(normalised);
        else delivery.ignored.push(`status:${status.status}`);
      }
    }
  }
  return delivery;
}

function normaliseMessage(
  phoneNumberId: string,
  message: z.infer<typeof messageSchema>,
  profileName: string | null,
): WhatsAppInboundMessage | undefined {
  const base = {
    phoneNumberId,
    messageId: message.id,
    from: message.from,
    phone: phoneOfWaId(message.from),
    profileName,
    sentAt: message.timestamp && /^\d+$/.test(message.timestamp) ? new Date(Number(message.timestamp) * 1000) : null,
  };
  const text = (body: string | undefined) =>
    body === undefined ? undefined : { ...base, kind: 'text' as const, text: body, media: null };
  switch (message.type) {
    case 'text':
      return text(message.text?.body);
    case 'button':
      return text(message.button?.text ?? message.button?.payload);
    case 'interactive':
      return text(message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title);
    case 'location': {
      const location = message.location;
      if (!location) return undefined;
      const label = [location.name, location.address].filter(Boolean).join(', ');
      return text(`Location: ${location.latitude}, ${location.longitude}${label ? ` (${label})` : ''}`);
    }
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const media = message[message.type];
      if (!media) return undefined;
      return {
        ...base,
        kind: 'media',
        text: media.caption ?? null,
        media: {
          kind: message.type,
          mediaId: media.id,
          mimeType: media.mime_type ?? null,
          caption: media.caption ?? null,
          filename: media.filename ?? null,
          sha256: media.sha256 ?? null,
        },
      };
    }
    default:
      return undefined;
  }
}

function normaliseStatus(
  phoneNumberId: string,
  status: z.infer<typeof statusSchema>,
): WhatsAppStatusUpdate | undefined {
  if (
    status.status !== 'sent' &&
    status.status !== 'delivered' &&
    status.status !== 'read' &&
    status.status !== 'failed'
  ) {
    return undefined;
  }
  const error = status.errors?.[0];
  return {
    phoneNumberId,
    messageId: status.id,
    status: status.status,
    recipientId: status.recipient_id ?? null,
    error: error ? describeError(error) : null,
  };
}

/** `131050 Title: details`, the way WhatsApp's error reference names an error. */
export function describeError(error: {
  code?: number | undefined;
  title?: string | undefined;
  message?: string | undefined;
  error_data?: { details?: string | undefined } | undefined;
}): string {
  const head = [error.code, error.title ?? error.message].filter((part) => part !== undefined).join(' ') || 'failed';
  const details = error.error_data?.details;
  return details ? `${head}: ${details}` : head;
}

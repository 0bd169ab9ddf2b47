/**
 * WhatsApp Cloud API webhooks: the `X-Hub-Signature-256` check and the `messages` field's
 * payload (`object: whatsapp_business_account`, `entry[].changes[].value` with `metadata`,
 * `contacts`, `messages`, `statuses`), normalised. Fields we do not use are ignored, so a
 * payload with new fields still parses.
 *
 * A signed delivery is Meta's, but its contents are still bounded: each message and status
 * is checked on its own. One whose identity cannot be stored (an id or sender that is not
 * clean text or is longer than its column) is skipped; text that can be repaired (a NUL,
 * a lone surrogate, a name or body over its bound, an impossible timestamp) is stored
 * repaired. Either way the rest of the delivery goes on: a refused webhook would be
 * redelivered by Meta for days. Every skip and repair is reported in `problems`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { cleanText, isCleanText } from '../../shared/text.js';

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
  /** What else it is (location, contacts, reaction, interactive reply, unsupported), wire-shaped. */
  content: WhatsAppInboundContent | null;
  /** The wamid it replies to (`context.id`). */
  replyTo: string | null;
  media: {
    kind: WhatsAppMediaKind;
    mediaId: string;
    mimeType: string | null;
    caption: string | null;
    filename: string | null;
    sha256: string | null;
  } | null;
}

export type WhatsAppInboundContent =
  | { kind: 'location'; latitude: number; longitude: number; name: string | null; address: string | null }
  | {
      kind: 'contacts';
      contacts: {
        name: string;
        phones: { phone: string; wa_id: string | null; type: string | null }[];
        emails: string[];
      }[];
    }
  | { kind: 'reaction'; emoji: string; target_channel_message_id: string }
  | { kind: 'interactive_reply'; reply_type: 'button' | 'list'; reply_id: string | null; title: string }
  | { kind: 'unsupported'; whatsapp_type: string };

/** `message_template_status_update`: a template was approved, rejected, paused, disabled … */
export interface WhatsAppTemplateStatus {
  /** The WhatsApp Business Account (the entry's id). */
  businessAccountId: string;
  templateId: string;
  name: string;
  language: string;
  /** Meta's `event`: APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION … */
  status: string;
  reason: string | null;
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
  /** Template status changes; their tenant is the business account, not a phone number. */
  templateStatuses: WhatsAppTemplateStatus[];
  /** Message types we do not store (reactions, system notices …), for the log. */
  ignored: string[];
  /** Items skipped or stored repaired, for the log and the metric. */
  problems: WebhookItemProblem[];
}

export interface WebhookItemProblem {
  outcome: 'skipped' | 'repaired';
  /** Stable, for the metric's label: `message_id`, `from`, `text`, `timestamp` … */
  reason: string;
  phoneNumberId: string | null;
  /** The first characters of the item's id, cleaned, for the log. */
  itemId: string | null;
}

/** Bounds of what we store; the columns' sizes where a column holds the value. */
export const WEBHOOK_BOUNDS = {
  messageId: 255,
  waId: 128,
  profileName: 120,
  text: 8192,
  mimeType: 255,
  sha256: 128,
  filename: 255,
  type: 64,
  error: 1000,
} as const;

/** Seconds since the epoch up to 9999-12-31: what a Date and a timestamptz both hold. */
const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

/** Phone number ids and media ids: they become Graph URL path segments. */
const GRAPH_ID = /^[0-9A-Za-z_-]{1,128}$/;

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
  context: z.object({ id: z.string().optional(), from: z.string().optional() }).optional(),
  reaction: z.object({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  contacts: z
    .array(
      z.object({
        name: z.object({ formatted_name: z.string().optional(), first_name: z.string().optional() }).optional(),
        phones: z
          .array(z.object({ phone: z.string().optional(), wa_id: z.string().optional(), type: z.string().optional() }))
          .optional(),
        emails: z.array(z.object({ email: z.string().optional() })).optional(),
      }),
    )
    .optional(),
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

const contactSchema = z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).optional() });

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
            // message_template_status_update
            event: z.string().optional(),
            message_template_id: z.union([z.number(), z.string()]).optional(),
            message_template_name: z.string().optional(),
            message_template_language: z.string().optional(),
            reason: z.string().nullable().optional(),
            // Each item is checked on its own below, so one bad item spoils only itself.
            contacts: z.array(z.unknown()).optional(),
            messages: z.array(z.unknown()).optional(),
            statuses: z.array(z.unknown()).optional(),
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
  const delivery: WhatsAppDelivery = {
    phoneNumberIds: [],
    messages: [],
    statuses: [],
    templateStatuses: [],
    ignored: [],
    problems: [],
  };
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field === 'message_template_status_update') {
        const status = templateStatusOf(entry.id, change.value);
        if (status) delivery.templateStatuses.push(status);
        else delivery.problems.push(problem('skipped', 'template_status', null, null));
        continue;
      }
      if (change.field !== 'messages') continue;
      const { value } = change;
      const phoneNumberId = value.metadata?.phone_number_id;
      if (!phoneNumberId) continue;
      if (!GRAPH_ID.test(phoneNumberId)) {
        const items = (value.messages?.length ?? 0) + (value.statuses?.length ?? 0);
        for (let i = 0; i < items; i += 1) delivery.problems.push(problem('skipped', 'phone_number_id', null, null));
        continue;
      }
      if (!delivery.phoneNumberIds.includes(phoneNumberId)) delivery.phoneNumberIds.push(phoneNumberId);
      const report = (outcome: WebhookItemProblem['outcome'], reason: string, itemId: string | null) =>
        delivery.problems.push(problem(outcome, reason, phoneNumberId, itemId));
      const names = profileNamesOf(value.contacts ?? []);
      for (const raw of value.messages ?? []) {
        const message = messageSchema.safeParse(raw);
        if (!message.success) {
          report('skipped', 'malformed_message', idOf(raw));
          continue;
        }
        const normalised = normaliseMessage(phoneNumberId, message.data, names, report);
        if (normalised === 'skipped') continue;
        if (normalised) delivery.messages.push(normalised);
        else delivery.ignored.push(cleanText(message.data.type, WEBHOOK_BOUNDS.type).text);
      }
      for (const raw of value.statuses ?? []) {
        const status = statusSchema.safeParse(raw);
        if (!status.success) {
          report('skipped', 'malformed_status', idOf(raw));
          continue;
        }
        if (!isStorableId(status.data.id, WEBHOOK_BOUNDS.messageId)) {
          report('skipped', 'status_id', status.data.id);
          continue;
        }
        const normalised = normaliseStatus(phoneNumberId, status.data);
        if (normalised) delivery.statuses.push(normalised);
        else delivery.ignored.push(`status:${cleanText(status.data.status, WEBHOOK_BOUNDS.type).text}`);
      }
    }
  }
  return delivery;
}

function problem(
  outcome: WebhookItemProblem['outcome'],
  reason: string,
  phoneNumberId: string | null,
  itemId: string | null,
): WebhookItemProblem {
  return { outcome, reason, phoneNumberId, itemId: itemId === null ? null : cleanText(itemId, 64).text };
}

function idOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

function isStorableId(id: string, maxLength: number): boolean {
  return id.length > 0 && id.length <= maxLength && isCleanText(id);
}

/** wa_id → profile name; contacts that do not parse give no name (their messages still do). */
function profileNamesOf(contacts: unknown[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of contacts) {
    const contact = contactSchema.safeParse(raw);
    if (contact.success && contact.data.profile) names.set(contact.data.wa_id, contact.data.profile.name);
  }
  return names;
}

type Report = (outcome: WebhookItemProblem['outcome'], reason: string, itemId: string | null) => void;

function normaliseMessage(
  phoneNumberId: string,
  message: z.infer<typeof messageSchema>,
  names: Map<string, string>,
  report: Report,
): WhatsAppInboundMessage | undefined | 'skipped' {
  if (!isStorableId(message.id, WEBHOOK_BOUNDS.messageId)) {
    report('skipped', 'message_id', message.id);
    return 'skipped';
  }
  if (!isStorableId(message.from, WEBHOOK_BOUNDS.waId)) {
    report('skipped', 'from', message.id);
    return 'skipped';
  }
  const clean = (value: string | undefined, maxLength: number, field: string): string | undefined => {
    if (value === undefined) return undefined;
    const cleaned = cleanText(value, maxLength);
    if (cleaned.isRepaired) report('repaired', field, message.id);
    return cleaned.text;
  };
  const rawName = names.get(message.from);
  const profileName =
    rawName === undefined ? null : (clean(rawName, WEBHOOK_BOUNDS.profileName, 'profile_name') ?? null);
  const base = {
    phoneNumberId,
    messageId: message.id,
    from: message.from,
    phone: phoneOfWaId(message.from),
    profileName,
    sentAt: sentAtOf(message.timestamp, () => report('repaired', 'timestamp', message.id)),
  };
  const contextId = message.context?.id;
  const replyTo = contextId !== undefined && isStorableId(contextId, WEBHOOK_BOUNDS.messageId) ? contextId : null;
  const withContent = (body: string | undefined | null, content: WhatsAppInboundContent | null) => {
    const cleaned = body === null ? null : clean(body, WEBHOOK_BOUNDS.text, 'text');
    if (cleaned === undefined) return undefined;
    return { ...base, kind: 'text' as const, text: cleaned, content, replyTo, media: null };
  };
  const text = (body: string | undefined) => withContent(body, null);
  const short = (value: string | undefined, max: number, field: string) => clean(value, max, field) ?? null;
  switch (message.type) {
    case 'text':
      return text(message.text?.body);
    case 'button': {
      const title = message.button?.text ?? message.button?.payload;
      if (title === undefined) return undefined;
      return withContent(title, {
        kind: 'interactive_reply',
        reply_type: 'button',
        reply_id: short(message.button?.payload, 256, 'button_payload'),
        title: short(title, 256, 'button_text') ?? '',
      });
    }
    case 'interactive': {
      const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
      if (!reply) return withContent(null, { kind: 'unsupported', whatsapp_type: 'interactive' });
      return withContent(reply.title, {
        kind: 'interactive_reply',
        reply_type: message.interactive?.button_reply ? 'button' : 'list',
        reply_id: short(reply.id, 256, 'reply_id'),
        title: short(reply.title, 256, 'reply_title') ?? '',
      });
    }
    case 'location': {
      const location = message.location;
      if (!location) return undefined;
      const label = [location.name, location.address].filter(Boolean).join(', ');
      return withContent(`Location: ${location.latitude}, ${location.longitude}${label ? ` (${label})` : ''}`, {
        kind: 'location',
        latitude: location.latitude,
        longitude: location.longitude,
        name: short(location.name, 256, 'location_name'),
        address: short(location.address, 512, 'location_address'),
      });
    }
    case 'reaction': {
      const reaction = message.reaction;
      if (!reaction || !isStorableId(reaction.message_id, WEBHOOK_BOUNDS.messageId)) return undefined;
      const emoji = short(reaction.emoji ?? '', 32, 'emoji') ?? '';
      return withContent(emoji, { kind: 'reaction', emoji, target_channel_message_id: reaction.message_id });
    }
    case 'contacts': {
      const shared = (message.contacts ?? []).slice(0, 20).map((c) => ({
        name: short(c.name?.formatted_name ?? c.name?.first_name ?? '', 256, 'contact_name') ?? '',
        phones: (c.phones ?? []).slice(0, 10).flatMap((p) =>
          p.phone === undefined
            ? []
            : [
                {
                  phone: short(p.phone, 64, 'contact_phone') ?? '',
                  wa_id: p.wa_id !== undefined && isStorableId(p.wa_id, WEBHOOK_BOUNDS.waId) ? p.wa_id : null,
                  type: short(p.type, 32, 'contact_phone_type'),
                },
              ],
        ),
        emails: (c.emails ?? [])
          .slice(0, 10)
          .flatMap((e) => (e.email ? [short(e.email, 254, 'contact_email') ?? ''] : [])),
      }));
      const summary = shared.map((c) => [c.name, ...c.phones.map((p) => p.phone)].filter(Boolean).join(' ')).join('; ');
      return withContent(`Contact: ${summary}`, { kind: 'contacts', contacts: shared });
    }
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const media = message[message.type];
      if (!media) return undefined;
      if (!GRAPH_ID.test(media.id)) {
        report('skipped', 'media_id', message.id);
        return 'skipped';
      }
      const caption = clean(media.caption, WEBHOOK_BOUNDS.text, 'caption') ?? null;
      return {
        ...base,
        kind: 'media',
        text: caption,
        content: null,
        replyTo,
        media: {
          kind: message.type,
          mediaId: media.id,
          mimeType: clean(media.mime_type, WEBHOOK_BOUNDS.mimeType, 'mime_type') ?? null,
          caption,
          filename: clean(media.filename, WEBHOOK_BOUNDS.filename, 'filename') ?? null,
          sha256: clean(media.sha256, WEBHOOK_BOUNDS.sha256, 'sha256') ?? null,
        },
      };
    }
    default:
      // Shown as such (an order, a poll, a type newer than this code …) rather than dropped.
      return withContent(null, {
        kind: 'unsupported',
        whatsapp_type: cleanText(message.type, WEBHOOK_BOUNDS.type).text,
      });
  }
}

/** A template status change, when the entry names its business account and the template. */
function templateStatusOf(
  businessAccountId: string | undefined,
  value: {
    event?: string | undefined;
    message_template_id?: number | string | undefined;
    message_template_name?: string | undefined;
    message_template_language?: string | undefined;
    reason?: string | null | undefined;
  },
): WhatsAppTemplateStatus | undefined {
  const templateId = value.message_template_id === undefined ? '' : String(value.message_template_id);
  if (
    businessAccountId === undefined ||
    !GRAPH_ID.test(businessAccountId) ||
    !/^[0-9]{1,64}$/.test(templateId) ||
    !value.event ||
    !value.message_template_name ||
    !value.message_template_language
  ) {
    return undefined;
  }
  return {
    businessAccountId,
    templateId,
    name: cleanText(value.message_template_name, 512).text,
    language: cleanText(value.message_template_language, 15).text,
    status: cleanText(value.event, 32).text.toUpperCase(),
    reason: value.reason && value.reason !== 'NONE' ? cleanText(value.reason, 500).text : null,
  };
}

/** Meta's `timestamp`: Unix seconds as a string. Anything a Date cannot hold is dropped, reported. */
function sentAtOf(timestamp: string | undefined, onRepaired: () => void): Date | null {
  if (timestamp === undefined) return null;
  const seconds = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!(seconds >= 0 && seconds <= MAX_TIMESTAMP_SECONDS)) {
    onRepaired();
    return null;
  }
  return new Date(seconds * 1000);
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
    recipientId:
      status.recipient_id !== undefined && isStorableId(status.recipient_id, WEBHOOK_BOUNDS.waId)
        ? status.recipient_id
        : null,
    error: error ? cleanText(describeError(error), WEBHOOK_BOUNDS.error).text : null,
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

/**
 * The channel-adapter port; what the channels module needs from the conversations
 * module (somewhere to put what contacts send and what providers report); and what it
 * needs of the WhatsApp Cloud API, which integrations/whatsapp provides and the
 * composition root passes in (modules never import integrations/, ADR 2).
 */
import type { ChannelName } from './channels.js';

export interface ContactAddress {
  /** How the provider knows the contact (WhatsApp: wa_id), when known. */
  externalId: string | null;
  /** E.164. */
  phone: string | null;
}

/** A file a contact sent, fetched from the provider. */
export type MediaFetchOutcome =
  | { kind: 'fetched'; bytes: Buffer; mimeType: string | null; sha256: string }
  | { kind: 'failed'; reason: string; retryable: boolean };

export type SendOutcome =
  { kind: 'sent'; channelMessageId: string | null; recipientId: string | null } | { kind: 'failed'; reason: string };

/**
 * One messaging provider. Adding a provider (Telegram, SMS …) means implementing this for
 * sending and adding its webhook route; conversations never learn which provider it is.
 */
export interface ChannelAdapter {
  readonly channel: ChannelName;
  sendText(input: { companyId: string; to: ContactAddress; text: string }): Promise<SendOutcome>;
  /** Providers whose contacts send files (WhatsApp) fetch them by the provider's media id. */
  fetchMedia?(input: { companyId: string; mediaId: string; maxBytes: number }): Promise<MediaFetchOutcome>;
}

export interface InboundMedia {
  kind: 'image' | 'audio' | 'video' | 'document' | 'sticker';
  mediaId: string;
  mimeType: string | null;
  caption: string | null;
  filename: string | null;
  sha256: string | null;
}

export interface InboundMessage {
  channel: ChannelName;
  channelMessageId: string;
  externalId: string;
  phone: string | null;
  profileName: string | null;
  sentAt: Date | null;
  type: 'text' | 'media';
  text: string | null;
  media: InboundMedia | null;
}

/** Counts of webhook items skipped or stored repaired (the Prometheus counter behind it). */
export interface WebhookItemCounter {
  count(item: { channel: ChannelName; outcome: 'skipped' | 'repaired'; reason: string }): void;
}

export interface DeliveryReport {
  channelMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  failureReason: string | null;
}

export interface ConversationInbox {
  /** `failed`: messages whose data the database refused (logged there); the rest are stored. */
  receive(companyId: string, batch: InboundMessage[]): Promise<{ stored: number; duplicates: number; failed: number }>;
  applyDeliveryReports(companyId: string, reports: DeliveryReport[]): Promise<number>;
}

/** The Cloud API's answer to a send: the wamid and the recipient's wa_id, or why not. */
export type WhatsAppSendResult = { ok: true; messageId: string; waId: string | null } | { ok: false; reason: string };

export type WhatsAppMediaResult =
  | { ok: true; bytes: Buffer; mimeType: string | null; sha256: string }
  | { ok: false; reason: string; retryable: boolean };

/** The WhatsApp Cloud API (Graph) calls the module makes, with the company's credentials. */
export interface WhatsAppCloud {
  sendText(input: {
    phoneNumberId: string;
    accessToken: string;
    to: string;
    text: string;
  }): Promise<WhatsAppSendResult>;
  downloadMedia(input: {
    mediaId: string;
    phoneNumberId: string;
    accessToken: string;
    maxBytes: number;
  }): Promise<WhatsAppMediaResult>;
}

export interface WhatsAppInboundMessage {
  phoneNumberId: string;
  /** The wamid. */
  messageId: string;
  /** The sender's WhatsApp id (wa_id). */
  from: string;
  phone: string | null;
  profileName: string | null;
  sentAt: Date | null;
  kind: 'text' | 'media';
  text: string | null;
  media: InboundMedia | null;
}

export interface WhatsAppStatusUpdate {
  phoneNumberId: string;
  messageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  error: string | null;
}

/** A webhook delivery as read (bounded, cleaned) by the provider's parser. */
export interface WhatsAppDelivery {
  /** Every business number the delivery names; each must belong to a configured channel. */
  phoneNumberIds: string[];
  messages: WhatsAppInboundMessage[];
  statuses: WhatsAppStatusUpdate[];
  /** Message types not stored (reactions, system notices …), for the log. */
  ignored: string[];
  /** Items skipped or stored repaired, for the log and the metric. */
  problems: { outcome: 'skipped' | 'repaired'; reason: string; phoneNumberId: string | null; itemId: string | null }[];
}

/** Reading Meta's webhook: its signature header, the signature check, the body's parser. */
export interface WhatsAppWebhookReader {
  /** The header carrying `sha256=<hex>`, lower case (Fastify's header keys). */
  readonly signatureHeader: string;
  isValidSignature(rawBody: Buffer, signature: string | undefined, appSecret: string): boolean;
  /** Undefined when the body is not a WhatsApp Business Account delivery. */
  parseDelivery(body: unknown): WhatsAppDelivery | undefined;
}

export interface WhatsAppPorts {
  cloud: WhatsAppCloud;
  webhooks: WhatsAppWebhookReader;
}

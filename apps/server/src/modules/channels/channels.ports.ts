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
  /** `mediaId`: the provider's id of a file it was given to send. */
  | { kind: 'sent'; channelMessageId: string | null; recipientId: string | null; mediaId?: string | null }
  | { kind: 'failed'; reason: string };

export interface InteractiveOption {
  id: string;
  title: string;
  description: string | null;
}

/**
 * A template's media or location header as it goes out: a file by its public link, or its
 * bytes (an agent's upload) that the channel uploads first; or a place.
 */
export type OutboundTemplateHeader =
  | {
      kind: 'image' | 'video' | 'document';
      link: string | null;
      file: { bytes: Buffer; mimeType: string } | null;
      filename: string | null;
    }
  | { kind: 'location'; latitude: number; longitude: number; name: string | null; address: string | null };

/** What goes out: text, a file, a WhatsApp template, or interactive buttons or a list. */
export type OutboundContent =
  | { kind: 'text'; text: string }
  | {
      kind: 'media';
      mediaKind: 'image' | 'document' | 'audio' | 'video';
      bytes: Buffer;
      mimeType: string;
      filename: string | null;
      caption: string | null;
    }
  | {
      kind: 'template';
      name: string;
      language: string;
      variables: Record<string, string>;
      header?: OutboundTemplateHeader | undefined;
    }
  | {
      kind: 'interactive';
      style: 'button' | 'list';
      body: string;
      buttonLabel: string | null;
      options: InteractiveOption[];
    };

/**
 * One messaging provider. Adding a provider (Telegram, SMS …) means implementing this for
 * sending and adding its webhook route; conversations never learn which provider it is.
 */
export interface ChannelAdapter {
  readonly channel: ChannelName;
  send(input: { companyId: string; to: ContactAddress; content: OutboundContent }): Promise<SendOutcome>;
  /** Providers with read receipts (WhatsApp) mark a contact's message read. */
  markRead?(input: { companyId: string; channelMessageId: string }): Promise<boolean>;
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
  content: InboundContent | null;
  /** The provider's id of the message it replies to. */
  replyToChannelMessageId: string | null;
}

/** What an inbound message is besides text, in the wire shape conversations keep. */
export type InboundContent =
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
  /** Any message: `message` is the type-specific part of Meta's send request. */
  sendMessage(input: {
    phoneNumberId: string;
    accessToken: string;
    to: string;
    message: Record<string, unknown>;
  }): Promise<WhatsAppSendResult>;
  /** `POST /{phone-number-id}/media`: the file's Graph media id, or why not. */
  uploadMedia(input: {
    phoneNumberId: string;
    accessToken: string;
    bytes: Buffer;
    mimeType: string;
    filename: string | null;
  }): Promise<{ ok: true; mediaId: string } | { ok: false; reason: string }>;
  markRead(input: { phoneNumberId: string; accessToken: string; messageId: string }): Promise<boolean>;
  listTemplates(input: {
    businessAccountId: string;
    accessToken: string;
  }): Promise<{ ok: true; templates: Record<string, unknown>[] } | { ok: false; reason: string }>;
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
  content: InboundContent | null;
  /** The wamid it replies to (`context.id`). */
  replyTo: string | null;
}

/** `message_template_status_update`, named by the business account. */
export interface WhatsAppTemplateStatus {
  businessAccountId: string;
  templateId: string;
  name: string;
  language: string;
  status: string;
  reason: string | null;
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
  templateStatuses: WhatsAppTemplateStatus[];
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

/**
 * The channel-adapter port, and what the channels module needs from the conversations
 * module: somewhere to put what contacts send and what providers report.
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

/**
 * What the conversations module needs from outside: a way to reach the contact on the
 * conversation's channel (the channels module), click-to-call (the calls module) and
 * video rooms (Jitsi).
 */
import type { Actor } from '../../shared/actor.js';
import type { ConversationChannel } from './conversations.js';

export type DeliveryOutcome =
  /** `recipientId`: how the channel knows the contact (WhatsApp's wa_id may differ from the number dialled). */
  { kind: 'sent'; channelMessageId: string | null; recipientId: string | null } | { kind: 'failed'; reason: string };

export interface ChannelGateway {
  /**
   * Sends `text` to the contact through `channel`, retrying transient failures itself.
   * Resolves with what happened; never rejects for a provider's refusal.
   */
  sendText(input: {
    companyId: string;
    channel: ConversationChannel;
    to: { externalId: string | null; phone: string | null };
    text: string;
  }): Promise<DeliveryOutcome>;
  /** Fetches a file the contact sent (one attempt); never rejects for a provider's refusal. */
  fetchMedia(input: {
    companyId: string;
    channel: ConversationChannel;
    mediaId: string;
    maxBytes: number;
  }): Promise<MediaFetchOutcome>;
}

export type MediaFetchOutcome =
  | { kind: 'fetched'; bytes: Buffer; mimeType: string | null; sha256: string }
  /** `retryable`: try again later (network, the provider's 5xx, a bad checksum). */
  | { kind: 'failed'; reason: string; retryable: boolean };

export interface VoiceDialer {
  /** Click-to-call from the actor's SIP device; throws an UpstreamError without a PBX. */
  makeCall(actor: Actor, input: { to: string }): Promise<{ id: string; status: string }>;
}

export interface VideoRoom {
  roomName: string;
  /** The agent's link (with a moderator token when Jitsi JWT is configured). */
  agentUrl: string;
  /** The link sent to the contact. */
  contactUrl: string;
  expiresAt: Date;
}

export interface VideoRooms {
  create(input: { agentName: string; contactName: string | null; now: Date }): Promise<VideoRoom>;
}

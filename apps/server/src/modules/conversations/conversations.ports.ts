/**
 * What the conversations module needs from outside: a way to reach the contact on the
 * conversation's channel (the channels module), click-to-call (the calls module) and
 * video rooms (Jitsi).
 */
import type { Actor } from '../../shared/actor.js';
import type { ConversationChannel, InteractiveOption } from './conversations.js';

export type DeliveryOutcome =
  /**
   * `recipientId`: how the channel knows the contact (WhatsApp's wa_id may differ from the
   * number dialled); `mediaId`: the channel's id of a file it was given.
   */
  | { kind: 'sent'; channelMessageId: string | null; recipientId: string | null; mediaId?: string | null }
  | { kind: 'failed'; reason: string };

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

/** What goes out: text, a file, a WhatsApp template, or an interactive message (buttons or a list). */
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

export interface ChannelGateway {
  /**
   * Sends to the contact through `channel`, retrying transient failures itself. Resolves
   * with what happened; never rejects for a provider's refusal.
   */
  send(input: {
    companyId: string;
    channel: ConversationChannel;
    to: { externalId: string | null; phone: string | null };
    content: OutboundContent;
  }): Promise<DeliveryOutcome>;
  /** Tells the channel the contact's message was read (WhatsApp's blue ticks); best effort. */
  markRead(input: { companyId: string; channel: ConversationChannel; channelMessageId: string }): Promise<boolean>;
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

/** The company's WhatsApp templates (the channels module's cache of Meta's). */
export interface TemplateCatalog {
  /**
   * Checks the values against the approved template and renders what the customer reads.
   * Throws 404 `template.not_found`, 422 `template.*`.
   */
  prepare(
    companyId: string,
    input: {
      name: string;
      language: string;
      variables?: string[] | Record<string, string> | undefined;
      /** A file by `link`, or by `mediaId` (checked here as given; the channel's id replaces ours on delivery). */
      header?:
        | { kind: 'image' | 'video' | 'document'; link: string | null; mediaId: string | null; filename: string | null }
        | { kind: 'location'; latitude: number; longitude: number; name: string | null; address: string | null }
        | undefined;
    },
  ): Promise<{ renderedText: string; variables: Record<string, string> }>;
}

/** What the company writes to customers (the customer-messages module), rendered in its language. */
export interface CustomerTextPort {
  settingsOf(companyId: string): Promise<{ language: string; isRatingEnabled: boolean }>;
  textOf(
    companyId: string,
    key: 'video_link' | 'call_notice' | 'rating_question' | 'rating_thanks' | 'closing',
    variables: { 'contact.name'?: string | null; 'agent.name'?: string | null; link?: string | null },
  ): Promise<string>;
  ratingOptions(companyId: string): Promise<{ button: string; scores: readonly string[] }>;
}

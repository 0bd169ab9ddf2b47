/** The WhatsApp Cloud API behind the channel-adapter port. */
import type { ChannelAdapter, MediaFetchOutcome, SendOutcome, WhatsAppCloud } from './channels.ports.js';
import type { ChannelsRepository } from './channels.repository.js';

export function createWhatsAppAdapter(repository: ChannelsRepository, client: WhatsAppCloud): ChannelAdapter {
  return {
    channel: 'whatsapp',
    async sendText({ companyId, to, text }): Promise<SendOutcome> {
      const account = await repository.findWhatsAppOfCompany(companyId);
      if (!account) return { kind: 'failed', reason: 'WhatsApp is not configured for this company.' };
      const recipient = to.externalId ?? to.phone?.replace(/^\+/, '');
      if (!recipient) return { kind: 'failed', reason: 'The contact has no WhatsApp id or phone number.' };
      const result = await client.sendText({
        phoneNumberId: account.phoneNumberId,
        accessToken: account.accessToken,
        to: recipient,
        text,
      });
      return result.ok
        ? { kind: 'sent', channelMessageId: result.messageId, recipientId: result.waId }
        : { kind: 'failed', reason: result.reason };
    },
    async fetchMedia({ companyId, mediaId, maxBytes }): Promise<MediaFetchOutcome> {
      const account = await repository.findWhatsAppOfCompany(companyId);
      if (!account) return { kind: 'failed', reason: 'WhatsApp is not configured for this company.', retryable: false };
      const result = await client.downloadMedia({
        mediaId,
        phoneNumberId: account.phoneNumberId,
        accessToken: account.accessToken,
        maxBytes,
      });
      return result.ok
        ? { kind: 'fetched', bytes: result.bytes, mimeType: result.mimeType, sha256: result.sha256 }
        : { kind: 'failed', reason: result.reason, retryable: result.retryable };
    },
  };
}

/** Web chat has no outside provider yet: a message is delivered by the real-time events alone. */
export const webchatAdapter: ChannelAdapter = {
  channel: 'webchat',
  sendText: async () => ({ kind: 'sent', channelMessageId: null, recipientId: null }),
};

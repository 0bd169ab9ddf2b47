/** The WhatsApp Cloud API behind the channel-adapter port. */
import { randomUUID } from 'node:crypto';
import type {
  ChannelAdapter,
  ContactAddress,
  MediaFetchOutcome,
  OutboundContent,
  SendOutcome,
  WhatsAppCloud,
} from './channels.ports.js';
import type { ChannelsRepository } from './channels.repository.js';
import type { TemplateHeader } from './whatsapp-templates.js';
import type { WhatsAppTemplates } from './whatsapp-templates.service.js';
import { mediaPartOf, messagePartOf } from './whatsapp.outbound.js';

export function createWhatsAppAdapter(
  repository: ChannelsRepository,
  client: WhatsAppCloud,
  templates: Pick<WhatsAppTemplates, 'prepare'>,
): ChannelAdapter {
  return {
    channel: 'whatsapp',
    async send({ companyId, to, content }): Promise<SendOutcome> {
      const account = await repository.findWhatsAppOfCompany(companyId);
      if (!account) return { kind: 'failed', reason: 'WhatsApp is not configured for this company.' };
      const recipient = recipientOf(to);
      if (!recipient) return { kind: 'failed', reason: 'The contact has no WhatsApp id or phone number.' };
      const credentials = { phoneNumberId: account.phoneNumberId, accessToken: account.accessToken };
      let message: Record<string, unknown>;
      let mediaId: string | null = null;
      if (content.kind === 'media') {
        const uploaded = await client.uploadMedia({
          ...credentials,
          bytes: content.bytes,
          mimeType: content.mimeType,
          filename: content.filename,
        });
        if (!uploaded.ok) return { kind: 'failed', reason: uploaded.reason };
        mediaId = uploaded.mediaId;
        message = mediaPartOf(content, uploaded.mediaId);
      } else {
        let header: TemplateHeader | undefined;
        if (content.kind === 'template' && content.header) {
          const given = content.header;
          if (given.kind === 'location') header = given;
          else {
            let uploadedId: string | null = null;
            if (given.file) {
              const uploaded = await client.uploadMedia({
                ...credentials,
                bytes: given.file.bytes,
                mimeType: given.file.mimeType,
                filename: given.filename,
              });
              if (!uploaded.ok) return { kind: 'failed', reason: uploaded.reason };
              uploadedId = uploaded.mediaId;
              mediaId = uploaded.mediaId;
            }
            header = { kind: given.kind, link: given.link, mediaId: uploadedId, filename: given.filename };
          }
        }
        const template = await templateOf(templates, companyId, content, header);
        if (template && 'failed' in template) return { kind: 'failed', reason: template.failed };
        message = messagePartOf(content, template);
      }
      const result = await client.sendMessage({ ...credentials, to: recipient, message });
      return result.ok
        ? { kind: 'sent', channelMessageId: result.messageId, recipientId: result.waId, mediaId }
        : { kind: 'failed', reason: result.reason };
    },
    async markRead({ companyId, channelMessageId }): Promise<boolean> {
      const account = await repository.findWhatsAppOfCompany(companyId);
      if (!account) return false;
      return client.markRead({
        phoneNumberId: account.phoneNumberId,
        accessToken: account.accessToken,
        messageId: channelMessageId,
      });
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

function recipientOf(to: ContactAddress): string | undefined {
  return to.externalId ?? to.phone?.replace(/^\+/, '') ?? undefined;
}

/** A template is checked again at sending: one paused since the agent pressed send is not sent. */
async function templateOf(
  templates: Pick<WhatsAppTemplates, 'prepare'>,
  companyId: string,
  content: Exclude<OutboundContent, { kind: 'media' }>,
  header: TemplateHeader | undefined,
) {
  if (content.kind !== 'template') return undefined;
  try {
    return await templates.prepare(companyId, {
      name: content.name,
      language: content.language,
      variables: content.variables,
      header,
    });
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Web chat has no outside provider: a message reaches the widget by the real-time events.
 * It gets an id of ours so the widget's delivery and read reports find it (modules/webchat).
 */
export const webchatAdapter: ChannelAdapter = {
  channel: 'webchat',
  send: async () => ({ kind: 'sent', channelMessageId: `webchat-out:${randomUUID()}`, recipientId: null }),
};

/** Channels: the providers that carry conversations to contacts, and who may configure them. */
import type { Actor } from '../../shared/actor.js';
import { ForbiddenError } from '../../shared/errors.js';

export type ChannelName = 'whatsapp' | 'webchat' | 'voice';

/** A company's WhatsApp Cloud API number, secrets included: never leaves the server. */
export interface WhatsAppAccount {
  id: string;
  companyId: string;
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  /** The WhatsApp Business Account: where its templates live. */
  businessAccountId: string | null;
  templatesSyncedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What `GET /api/channels` shows of a channel: no secret. */
export interface ChannelSummary {
  channel: ChannelName;
  isConfigured: boolean;
  provider: 'whatsapp_cloud_api' | 'builtin';
  phoneNumberId: string | null;
  businessAccountId: string | null;
  webhookPath: string | null;
  updatedAt: Date | null;
}

export const WHATSAPP_WEBHOOK_PATH = '/webhooks/whatsapp';

export function assertCanConfigure(actor: Actor): void {
  if (actor.role !== 'admin') {
    throw new ForbiddenError('auth.forbidden', 'Only administrators may configure channels.');
  }
}

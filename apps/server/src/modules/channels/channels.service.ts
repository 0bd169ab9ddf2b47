/**
 * Channel configuration, sending through the right adapter, and the WhatsApp webhook:
 * Meta's verification handshake and deliveries, each checked against the signature of
 * the app secret of the company that owns the phone number before anything is stored.
 */
import { isUniqueViolation } from '../../db/driver-results.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/errors.js';
import { newId, sha256Hex } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { auditActorOf, type AuditLog } from '../audit/index.js';
import {
  assertCanConfigure,
  WHATSAPP_WEBHOOK_PATH,
  type ChannelName,
  type ChannelSummary,
  type WhatsAppAccount,
} from './channels.js';
import type {
  ChannelAdapter,
  ContactAddress,
  ConversationInbox,
  MediaFetchOutcome,
  OutboundContent,
  SendOutcome,
  WebhookItemCounter,
  WhatsAppDelivery,
  WhatsAppWebhookReader,
} from './channels.ports.js';
import type { ChannelsRepository } from './channels.repository.js';
import type { WhatsAppTemplates } from './whatsapp-templates.service.js';

export interface ChannelsServiceDeps {
  repository: ChannelsRepository;
  adapters: ChannelAdapter[];
  inbox: ConversationInbox;
  /** Meta's webhook signature and body (integrations/whatsapp). */
  webhooks: WhatsAppWebhookReader;
  /** The company's WhatsApp templates (cache, sync, status webhooks, sending checks). */
  templates: WhatsAppTemplates;
  /** Webhook items skipped or repaired, for /metrics. */
  itemCounter: WebhookItemCounter;
  /** `channel.secrets_changed`, written in the transaction that changes them. */
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
}

export interface WebhookReceipt {
  messagesStored: number;
  duplicates: number;
  statusesApplied: number;
  /** Cached templates whose status Meta changed. */
  templatesUpdated: number;
  /** Messages and statuses not stored: their data was out of bounds (logged and counted). */
  skipped: number;
}

export class ChannelsService {
  private readonly adapters: Map<ChannelName, ChannelAdapter>;

  constructor(private readonly deps: ChannelsServiceDeps) {
    this.adapters = new Map(deps.adapters.map((a) => [a.channel, a]));
  }

  /** The request header the WhatsApp webhook's signature comes in. */
  get whatsAppSignatureHeader(): string {
    return this.deps.webhooks.signatureHeader;
  }

  async configureWhatsApp(
    actor: Actor,
    input: {
      phoneNumberId: string;
      accessToken: string;
      appSecret: string;
      verifyToken: string;
      businessAccountId?: string | undefined;
    },
  ): Promise<ChannelSummary> {
    assertCanConfigure(actor);
    const now = this.deps.clock.now();
    try {
      await this.deps.repository.transaction(async (repo) => {
        await repo.upsertWhatsApp({
          id: newId(),
          companyId: actor.companyId,
          phoneNumberId: input.phoneNumberId,
          accessToken: input.accessToken,
          appSecret: input.appSecret,
          verifyTokenHash: sha256Hex(input.verifyToken),
          businessAccountId: input.businessAccountId ?? null,
          createdAt: now,
          updatedAt: now,
        });
        await this.recordSecretsChanged(repo, actor, 'PUT');
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('channel.phone_number_taken', 'This WhatsApp number is configured elsewhere.');
      }
      throw error;
    }
    this.deps.logger.info(
      { companyId: actor.companyId, phoneNumberId: input.phoneNumberId, byUserId: actor.userId },
      'WhatsApp channel configured',
    );
    const account = await this.deps.repository.findWhatsAppOfCompany(actor.companyId);
    return whatsAppSummary(account);
  }

  async removeWhatsApp(actor: Actor): Promise<void> {
    assertCanConfigure(actor);
    await this.deps.repository.transaction(async (repo) => {
      if (!(await repo.deleteWhatsApp(actor.companyId))) {
        throw new NotFoundError('channel.not_found', 'WhatsApp is not configured.');
      }
      await this.recordSecretsChanged(repo, actor, 'DELETE');
    });
    this.deps.logger.info({ companyId: actor.companyId, byUserId: actor.userId }, 'WhatsApp channel removed');
  }

  /** The audit entry of a change of the WhatsApp secrets, in the change's transaction (never the secrets). */
  private async recordSecretsChanged(repo: ChannelsRepository, actor: Actor, method: 'PUT' | 'DELETE') {
    await this.deps.audit.record(repo.db, {
      companyId: actor.companyId,
      actor: auditActorOf(actor),
      action: 'channel.secrets_changed',
      target: { type: 'channel', id: 'whatsapp' },
      details: { method },
    });
  }

  async list(actor: Actor): Promise<ChannelSummary[]> {
    const whatsapp = await this.deps.repository.findWhatsAppOfCompany(actor.companyId);
    const builtin = (channel: ChannelName): ChannelSummary => ({
      channel,
      isConfigured: true,
      provider: 'builtin',
      phoneNumberId: null,
      businessAccountId: null,
      webhookPath: null,
      updatedAt: null,
    });
    return [whatsAppSummary(whatsapp), builtin('webchat'), builtin('voice')];
  }

  /** The conversations module's gateway: the adapter of the channel sends, or the message fails with why. */
  async send(input: {
    companyId: string;
    channel: ChannelName;
    to: ContactAddress;
    content: OutboundContent;
  }): Promise<SendOutcome> {
    const adapter = this.adapters.get(input.channel);
    if (!adapter) return { kind: 'failed', reason: `No provider sends ${input.channel} messages.` };
    return adapter.send({ companyId: input.companyId, to: input.to, content: input.content });
  }

  /** Read receipts: the channel's adapter marks the contact's message read, when it can. */
  async markRead(input: { companyId: string; channel: ChannelName; channelMessageId: string }): Promise<boolean> {
    const adapter = this.adapters.get(input.channel);
    if (!adapter?.markRead) return false;
    return adapter.markRead({ companyId: input.companyId, channelMessageId: input.channelMessageId });
  }

  /** The conversations module's template catalogue: checks the values and renders the template. */
  async prepare(
    companyId: string,
    input: { name: string; language: string; variables?: string[] | Record<string, string> | undefined },
  ): Promise<{ renderedText: string; variables: Record<string, string> }> {
    const prepared = await this.deps.templates.prepare(companyId, input);
    return { renderedText: prepared.renderedText, variables: prepared.variables };
  }

  /** The conversations module's media fetcher: the channel's adapter fetches, or why not. */
  async fetchMedia(input: {
    companyId: string;
    channel: ChannelName;
    mediaId: string;
    maxBytes: number;
  }): Promise<MediaFetchOutcome> {
    const adapter = this.adapters.get(input.channel);
    if (!adapter?.fetchMedia) {
      return { kind: 'failed', reason: `No provider fetches ${input.channel} media.`, retryable: false };
    }
    return adapter.fetchMedia({ companyId: input.companyId, mediaId: input.mediaId, maxBytes: input.maxBytes });
  }

  /** Meta's subscription handshake: echo the challenge when the verify token is one of ours. */
  async verifyWhatsAppSubscription(query: {
    mode: string | undefined;
    verifyToken: string | undefined;
    challenge: string | undefined;
  }): Promise<string> {
    const isKnown =
      query.mode === 'subscribe' &&
      query.verifyToken !== undefined &&
      query.challenge !== undefined &&
      (await this.deps.repository.isVerifyTokenKnown(sha256Hex(query.verifyToken)));
    if (!isKnown || query.challenge === undefined) {
      this.deps.logger.info({ mode: query.mode }, 'WhatsApp webhook verification refused');
      throw new ForbiddenError('webhook.verification_failed', 'The verify token does not match.');
    }
    return query.challenge;
  }

  /**
   * A webhook delivery: signature present, body parsed, every phone number id ours, the
   * signature valid for the app secret of each company named; only then is anything stored.
   */
  async receiveWhatsApp(rawBody: Buffer, signature: string | undefined): Promise<WebhookReceipt> {
    if (!signature) {
      throw new UnauthorizedError('webhook.signature_missing', 'X-Hub-Signature-256 is required.');
    }
    const delivery = this.deps.webhooks.parseDelivery(parseJson(rawBody));
    if (!delivery || (delivery.phoneNumberIds.length === 0 && delivery.templateStatuses.length === 0)) {
      throw new ValidationError('webhook.invalid_payload', 'Not a WhatsApp Business Account messages delivery.');
    }
    const businessAccountIds = [...new Set(delivery.templateStatuses.map((t) => t.businessAccountId))];
    const templateAccounts = await this.deps.repository.findWhatsAppByBusinessAccountIds(businessAccountIds);
    const unknownAccounts = businessAccountIds.filter(
      (id) => !templateAccounts.some((a) => a.businessAccountId === id),
    );
    if (unknownAccounts.length > 0) {
      this.deps.logger.warn(
        { businessAccountIds: unknownAccounts },
        'WhatsApp webhook for an unknown business account',
      );
      throw new NotFoundError(
        'whatsapp.unknown_business_account',
        `No company has WhatsApp Business Account ${unknownAccounts.join(', ')}.`,
      );
    }
    const accounts = await this.deps.repository.findWhatsAppByPhoneNumberIds(delivery.phoneNumberIds);
    const unknown = delivery.phoneNumberIds.filter((id) => !accounts.some((a) => a.phoneNumberId === id));
    if (unknown.length > 0) {
      this.deps.logger.warn({ phoneNumberIds: unknown }, 'WhatsApp webhook for an unknown phone number id');
      throw new NotFoundError(
        'whatsapp.unknown_phone_number',
        `No company has WhatsApp phone number id ${unknown.join(', ')}.`,
      );
    }
    if (
      ![...accounts, ...templateAccounts].every((account) =>
        this.deps.webhooks.isValidSignature(rawBody, signature, account.appSecret),
      )
    ) {
      this.deps.logger.warn({ phoneNumberIds: delivery.phoneNumberIds }, 'WhatsApp webhook with a bad signature');
      throw new UnauthorizedError('webhook.invalid_signature', 'X-Hub-Signature-256 does not match the body.');
    }
    const receipt: WebhookReceipt = {
      messagesStored: 0,
      duplicates: 0,
      statusesApplied: 0,
      templatesUpdated: 0,
      skipped: 0,
    };
    this.reportProblems(delivery, receipt);
    for (const account of accounts) await this.ingest(account, delivery, receipt);
    for (const account of templateAccounts) {
      const changes = delivery.templateStatuses.filter((t) => t.businessAccountId === account.businessAccountId);
      receipt.templatesUpdated += await this.deps.templates.applyStatusChanges(account.companyId, changes);
    }
    if (delivery.ignored.length > 0) this.deps.logger.debug({ types: delivery.ignored }, 'WhatsApp items not stored');
    return receipt;
  }

  /** Each skipped or repaired item: a warning (no message text in it) and the counter. */
  private reportProblems(delivery: WhatsAppDelivery, receipt: WebhookReceipt): void {
    for (const item of delivery.problems) {
      if (item.outcome === 'skipped') receipt.skipped += 1;
      this.deps.itemCounter.count({ channel: 'whatsapp', outcome: item.outcome, reason: item.reason });
      this.deps.logger.warn(
        { phoneNumberId: item.phoneNumberId, whatsappMessageId: item.itemId, reason: item.reason },
        item.outcome === 'skipped' ? 'WhatsApp webhook item skipped' : 'WhatsApp webhook item stored repaired',
      );
    }
  }

  private async ingest(account: WhatsAppAccount, delivery: WhatsAppDelivery, receipt: WebhookReceipt): Promise<void> {
    const messages = delivery.messages
      .filter((m) => m.phoneNumberId === account.phoneNumberId)
      .map((m) => ({
        channel: 'whatsapp' as const,
        channelMessageId: m.messageId,
        externalId: m.from,
        phone: m.phone,
        profileName: m.profileName,
        sentAt: m.sentAt,
        type: m.kind,
        text: m.text,
        media: m.media,
        content: m.content,
        replyToChannelMessageId: m.replyTo,
      }));
    const reports = delivery.statuses
      .filter((s) => s.phoneNumberId === account.phoneNumberId)
      .map((s) => ({ channelMessageId: s.messageId, status: s.status, failureReason: s.error }));
    if (messages.length > 0) {
      const result = await this.deps.inbox.receive(account.companyId, messages);
      receipt.messagesStored += result.stored;
      receipt.duplicates += result.duplicates;
      receipt.skipped += result.failed;
      for (let i = 0; i < result.failed; i += 1) {
        this.deps.itemCounter.count({ channel: 'whatsapp', outcome: 'skipped', reason: 'refused_by_database' });
      }
    }
    if (reports.length > 0) {
      receipt.statusesApplied += await this.deps.inbox.applyDeliveryReports(account.companyId, reports);
    }
  }
}

function whatsAppSummary(account: WhatsAppAccount | undefined): ChannelSummary {
  return {
    channel: 'whatsapp',
    isConfigured: account !== undefined,
    provider: 'whatsapp_cloud_api',
    phoneNumberId: account?.phoneNumberId ?? null,
    businessAccountId: account?.businessAccountId ?? null,
    webhookPath: WHATSAPP_WEBHOOK_PATH,
    updatedAt: account?.updatedAt ?? null,
  };
}

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ValidationError('request.malformed_json', 'The body is not valid JSON.');
  }
}

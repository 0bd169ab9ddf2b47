/**
 * The company's WhatsApp message templates: synced from the business account
 * (`GET /{waba-id}/message_templates`) into a cache, listed from it, kept current by
 * Meta's `message_template_status_update` webhooks, and used to check and render a
 * template an agent sends (whatsapp-templates.ts has the rules).
 */
import { and, eq, notInArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { whatsappChannels, whatsappTemplates } from '../../db/schema/index.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, UnprocessableError, UpstreamError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { cleanText } from '../../shared/text.js';
import type { ChannelsRepository } from './channels.repository.js';
import {
  prepareTemplateSend,
  type TemplateHeader,
  type CachedTemplate,
  type ParameterFormat,
  type TemplateSend,
} from './whatsapp-templates.js';

export interface TemplateRow {
  id: string;
  templateId: string;
  name: string;
  language: string;
  status: string;
  statusReason: string | null;
  category: string | null;
  parameterFormat: ParameterFormat;
  components: Record<string, unknown>[];
  syncedAt: Date;
}

/** What the Graph API gives for the list (integrations/whatsapp through the port). */
export interface TemplateSource {
  listTemplates(input: {
    businessAccountId: string;
    accessToken: string;
  }): Promise<{ ok: true; templates: Record<string, unknown>[] } | { ok: false; reason: string }>;
}

export interface TemplateStatusChange {
  businessAccountId: string;
  templateId: string;
  name: string;
  language: string;
  status: string;
  reason: string | null;
}

/** Meta writes `pt_BR`; people and browsers write `pt-BR`. */
export function normaliseLanguage(language: string): string {
  return language.trim().replace('-', '_');
}

export class WhatsAppTemplates {
  constructor(
    private readonly deps: {
      db: Db;
      channels: ChannelsRepository;
      source: TemplateSource;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async list(
    actor: Actor,
    input: { refresh: boolean; status?: string | undefined },
  ): Promise<{ items: TemplateRow[]; syncedAt: Date | null }> {
    const account = await this.deps.channels.findWhatsAppOfCompany(actor.companyId);
    let syncedAt = account?.templatesSyncedAt ?? null;
    if (input.refresh || (account && syncedAt === null && account.businessAccountId)) {
      syncedAt = (await this.sync(actor.companyId)).syncedAt;
    }
    const rows = await this.deps.db
      .select()
      .from(whatsappTemplates)
      .where(
        and(
          eq(whatsappTemplates.companyId, actor.companyId),
          input.status ? eq(whatsappTemplates.status, input.status.toUpperCase()) : undefined,
        ),
      )
      .orderBy(whatsappTemplates.name, whatsappTemplates.language);
    return { items: rows.map(toTemplateRow), syncedAt };
  }

  /** Replaces the cache with what Meta lists now. 409 without a business account id, 502 when Meta fails. */
  async sync(companyId: string): Promise<{ count: number; syncedAt: Date }> {
    const account = await this.deps.channels.findWhatsAppOfCompany(companyId);
    if (!account?.businessAccountId) {
      throw new ConflictError(
        'channel.no_business_account',
        'Set the WhatsApp Business Account id in the channel configuration to use templates.',
      );
    }
    const result = await this.deps.source.listTemplates({
      businessAccountId: account.businessAccountId,
      accessToken: account.accessToken,
    });
    if (!result.ok) {
      this.deps.logger.warn({ companyId, reason: result.reason }, 'WhatsApp templates not synced');
      throw new UpstreamError('whatsapp.templates_unavailable', result.reason);
    }
    const now = this.deps.clock.now();
    const templates = result.templates.flatMap((raw) => {
      const parsed = parseGraphTemplate(raw);
      return parsed ? [parsed] : [];
    });
    await this.deps.db.transaction(async (tx) => {
      for (const t of templates) {
        await tx
          .insert(whatsappTemplates)
          .values({ id: newId(), companyId, ...t, syncedAt: now, updatedAt: now })
          .onConflictDoUpdate({
            target: [whatsappTemplates.companyId, whatsappTemplates.name, whatsappTemplates.language],
            set: {
              templateId: t.templateId,
              status: t.status,
              category: t.category,
              parameterFormat: t.parameterFormat,
              components: t.components,
              statusReason: null,
              syncedAt: now,
              updatedAt: now,
            },
          });
      }
      const kept = templates.map((t) => t.templateId);
      await tx
        .delete(whatsappTemplates)
        .where(
          and(
            eq(whatsappTemplates.companyId, companyId),
            kept.length > 0 ? notInArray(whatsappTemplates.templateId, kept) : undefined,
          ),
        );
      await tx
        .update(whatsappChannels)
        .set({ templatesSyncedAt: now })
        .where(eq(whatsappChannels.companyId, companyId));
    });
    this.deps.logger.info({ companyId, count: templates.length }, 'WhatsApp templates synced');
    return { count: templates.length, syncedAt: now };
  }

  /** Status webhooks of one company's business account; returns how many cached templates changed. */
  async applyStatusChanges(companyId: string, changes: TemplateStatusChange[]): Promise<number> {
    let applied = 0;
    for (const change of changes) {
      const updated = await this.deps.db
        .update(whatsappTemplates)
        .set({ status: change.status, statusReason: change.reason, updatedAt: this.deps.clock.now() })
        .where(
          and(
            eq(whatsappTemplates.companyId, companyId),
            or(
              eq(whatsappTemplates.templateId, change.templateId),
              and(
                eq(whatsappTemplates.name, change.name),
                eq(whatsappTemplates.language, normaliseLanguage(change.language)),
              ),
            ),
          ),
        )
        .returning({ id: whatsappTemplates.id });
      applied += updated.length;
      this.deps.logger.info(
        { companyId, templateId: change.templateId, status: change.status, isCached: updated.length > 0 },
        'WhatsApp template status changed',
      );
    }
    return applied;
  }

  /** Checks an agent's values against the cached template (synced first if never). 422 `template.*`. */
  async prepare(
    companyId: string,
    input: {
      name: string;
      language: string;
      variables?: string[] | Record<string, string> | undefined;
      header?: TemplateHeader | undefined;
    },
  ): Promise<TemplateSend> {
    let template = await this.find(companyId, input.name, input.language);
    if (!template) {
      const account = await this.deps.channels.findWhatsAppOfCompany(companyId);
      if (account?.businessAccountId && account.templatesSyncedAt === null) {
        await this.sync(companyId);
        template = await this.find(companyId, input.name, input.language);
      }
    }
    if (!template) {
      throw new UnprocessableError(
        'template.not_found',
        `No template ${input.name} in ${input.language}; refresh the list (GET /api/channels/whatsapp/templates?refresh=true).`,
      );
    }
    return prepareTemplateSend(template, input.variables, input.header);
  }

  private async find(companyId: string, name: string, language: string): Promise<CachedTemplate | undefined> {
    const [row] = await this.deps.db
      .select()
      .from(whatsappTemplates)
      .where(
        and(
          eq(whatsappTemplates.companyId, companyId),
          eq(whatsappTemplates.name, name),
          eq(whatsappTemplates.language, normaliseLanguage(language)),
        ),
      );
    return row && toTemplateRow(row);
  }
}

function toTemplateRow(row: typeof whatsappTemplates.$inferSelect): TemplateRow {
  return {
    id: row.id,
    templateId: row.templateId,
    name: row.name,
    language: row.language,
    status: row.status,
    statusReason: row.statusReason,
    category: row.category,
    parameterFormat: row.parameterFormat === 'NAMED' ? 'NAMED' : 'POSITIONAL',
    components: Array.isArray(row.components) ? (row.components as Record<string, unknown>[]) : [],
    syncedAt: row.syncedAt,
  };
}

/** One template of Meta's list, bounded to our columns; undefined when it lacks an id, name or language. */
function parseGraphTemplate(raw: Record<string, unknown>) {
  const { id, name, language, status, category, components } = raw;
  const templateId = typeof id === 'string' || typeof id === 'number' ? String(id) : '';
  if (!/^[0-9]{1,64}$/.test(templateId) || typeof name !== 'string' || typeof language !== 'string') return undefined;
  return {
    templateId,
    name: cleanText(name, 512).text,
    language: cleanText(normaliseLanguage(language), 15).text,
    status: typeof status === 'string' ? cleanText(status, 32).text.toUpperCase() : 'UNKNOWN',
    category: typeof category === 'string' ? cleanText(category, 32).text : null,
    parameterFormat: raw.parameter_format === 'NAMED' ? ('NAMED' as const) : ('POSITIONAL' as const),
    components: Array.isArray(components)
      ? components.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
      : [],
  };
}

/**
 * Per-company customer texts: the settings (language, whether customers are asked for a
 * rating, overrides) in `customer_message_settings`, read by the modules that write to
 * customers, edited by admins over HTTP.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { customerMessageSettings } from '../../db/schema/index.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ForbiddenError, ValidationError, type FieldIssue } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import {
  CUSTOMER_MESSAGE_KEYS,
  DEFAULT_TEXTS,
  languageOf,
  RATING_LABELS,
  render,
  unknownVariables,
  VARIABLES_OF,
  type CustomerLanguage,
  type CustomerMessageKey,
  type CustomerVariables,
} from './customer-messages.js';

export interface CustomerMessageSettings {
  language: CustomerLanguage;
  isRatingEnabled: boolean;
  overrides: Partial<Record<CustomerMessageKey, string>>;
  updatedAt: Date | null;
}

export interface CustomerMessageView {
  key: CustomerMessageKey;
  text: string;
  defaultText: string;
  isCustom: boolean;
  variables: string[];
}

/** What other modules use: the text to send, rendered, and the company's settings. */
export interface CustomerTexts {
  settingsOf(companyId: string): Promise<CustomerMessageSettings>;
  textOf(companyId: string, key: CustomerMessageKey, variables: CustomerVariables): Promise<string>;
  ratingOptions(companyId: string): Promise<{ button: string; scores: readonly string[] }>;
}

export class CustomerMessagesService implements CustomerTexts {
  constructor(private readonly deps: { db: Db; clock: Clock; logger: Logger }) {}

  async settingsOf(companyId: string): Promise<CustomerMessageSettings> {
    const [row] = await this.deps.db
      .select()
      .from(customerMessageSettings)
      .where(eq(customerMessageSettings.companyId, companyId));
    const texts = (row?.texts ?? {}) as Record<string, unknown>;
    const overrides: Partial<Record<CustomerMessageKey, string>> = {};
    for (const key of CUSTOMER_MESSAGE_KEYS) {
      const text = texts[key];
      if (typeof text === 'string' && text !== '') overrides[key] = text;
    }
    return {
      language: languageOf(row?.language),
      isRatingEnabled: row?.isRatingEnabled ?? false,
      overrides,
      updatedAt: row?.updatedAt ?? null,
    };
  }

  async textOf(companyId: string, key: CustomerMessageKey, variables: CustomerVariables): Promise<string> {
    const settings = await this.settingsOf(companyId);
    return render(settings.overrides[key] ?? DEFAULT_TEXTS[settings.language][key], variables);
  }

  /** The 1–5 scale as the customer reads it, in the company's language. */
  async ratingOptions(companyId: string): Promise<{ button: string; scores: readonly string[] }> {
    return RATING_LABELS[(await this.settingsOf(companyId)).language];
  }

  async view(actor: Actor): Promise<{ settings: CustomerMessageSettings; messages: CustomerMessageView[] }> {
    assertAdmin(actor);
    const settings = await this.settingsOf(actor.companyId);
    return { settings, messages: viewOf(settings) };
  }

  /**
   * Changes the language, the rating switch and texts (a null text goes back to the
   * default). A text naming a variable its message does not offer is refused whole.
   */
  async update(
    actor: Actor,
    input: {
      language?: CustomerLanguage | undefined;
      isRatingEnabled?: boolean | undefined;
      texts?: Partial<Record<CustomerMessageKey, string | null>> | undefined;
    },
  ): Promise<{ settings: CustomerMessageSettings; messages: CustomerMessageView[] }> {
    assertAdmin(actor);
    const issues: FieldIssue[] = [];
    for (const [key, text] of Object.entries(input.texts ?? {})) {
      if (typeof text !== 'string') continue;
      const unknown = unknownVariables(key as CustomerMessageKey, text);
      if (unknown.length > 0) {
        issues.push({
          field: `body.texts.${key}`,
          message: `unknown variable ${unknown.map((v) => `{{${v}}}`).join(', ')}; it may use ${VARIABLES_OF[key as CustomerMessageKey].map((v) => `{{${v}}}`).join(', ')}`,
        });
      }
    }
    if (issues.length > 0) throw new ValidationError('request.invalid', 'A text uses an unknown variable.', issues);
    const current = await this.settingsOf(actor.companyId);
    const overrides: Record<string, string> = { ...current.overrides };
    for (const [key, text] of Object.entries(input.texts ?? {})) {
      if (text === null || text === undefined) delete overrides[key];
      else overrides[key] = text;
    }
    const now = this.deps.clock.now();
    const values = {
      language: input.language ?? current.language,
      isRatingEnabled: input.isRatingEnabled ?? current.isRatingEnabled,
      texts: overrides,
      updatedBy: actor.userId,
      updatedAt: now,
    };
    await this.deps.db
      .insert(customerMessageSettings)
      .values({ companyId: actor.companyId, ...values })
      .onConflictDoUpdate({ target: customerMessageSettings.companyId, set: values });
    this.deps.logger.info(
      { companyId: actor.companyId, byUserId: actor.userId, keys: Object.keys(input.texts ?? {}) },
      'customer messages changed',
    );
    return this.view(actor);
  }
}

function viewOf(settings: CustomerMessageSettings): CustomerMessageView[] {
  return CUSTOMER_MESSAGE_KEYS.map((key) => {
    const defaultText = DEFAULT_TEXTS[settings.language][key];
    const custom = settings.overrides[key];
    return {
      key,
      text: custom ?? defaultText,
      defaultText,
      isCustom: custom !== undefined,
      variables: VARIABLES_OF[key].map((v) => `{{${v}}}`),
    };
  });
}

function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') {
    throw new ForbiddenError('auth.forbidden', 'Only administrators may change what customers are sent.');
  }
}

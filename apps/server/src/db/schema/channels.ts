import { index, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';

/**
 * A company's WhatsApp Cloud API number. The access token and app secret are needed in
 * clear to call the Graph API and check webhook signatures; they are never returned by the
 * API nor logged. Only a SHA-256 of the verify token is kept: it is only ever compared.
 */
export const whatsappChannels = pgTable(
  'whatsapp_channels',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    /** Meta's phone number id: names the company of every webhook delivery. */
    phoneNumberId: varchar('phone_number_id', { length: 32 }).notNull(),
    accessToken: text('access_token').notNull(),
    appSecret: text('app_secret').notNull(),
    verifyTokenHash: varchar('verify_token_hash', { length: 64 }).notNull(),
    /** The WhatsApp Business Account id: templates live there, template webhooks name it. */
    businessAccountId: varchar('business_account_id', { length: 32 }),
    templatesSyncedAt: timestamp('templates_synced_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('whatsapp_channels_company_key').on(t.companyId),
    uniqueIndex('whatsapp_channels_phone_number_key').on(t.phoneNumberId),
    index('whatsapp_channels_verify_token_idx').on(t.verifyTokenHash),
  ],
);

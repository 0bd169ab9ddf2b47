/**
 * The contact as the identity hub (issue 13, docs/adr/0021-contacts-identity-hub.md): which
 * calls and intercom calls belong to which contact and conversation, and each company's
 * contact settings. Contacts and their identities live beside conversations.
 */
import { index, pgTable, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { contacts, conversations } from './conversations.js';

/**
 * A call (calls) or an intercom call (voicebot_calls) of a contact, and the conversation it
 * was written into. `outcome_written_at` makes the outcome line exactly-once.
 */
export const contactCallLinks = pgTable(
  'contact_call_links',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    conversationId: uuid('conversation_id').references(() => conversations.id),
    /** calls.id: no foreign key, the calls module owns its rows. */
    callId: uuid('call_id'),
    voicebotCallId: uuid('voicebot_call_id'),
    /** 'customer' | 'visitor' | 'resident'. */
    role: varchar('role', { length: 16 }).notNull(),
    outcomeWrittenAt: timestamp('outcome_written_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('contact_call_links_call_contact_key').on(t.callId, t.contactId),
    uniqueIndex('contact_call_links_voicebot_contact_key').on(t.voicebotCallId, t.contactId),
    index('contact_call_links_contact_idx').on(t.companyId, t.contactId, t.createdAt),
  ],
);

export const contactSettings = pgTable('contact_settings', {
  companyId: uuid('company_id')
    .primaryKey()
    .references(() => companies.id),
  /** ISO 3166-1 alpha-2: the region numbers without a country code are read in. */
  country: varchar('country', { length: 2 }).notNull().default('BR'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

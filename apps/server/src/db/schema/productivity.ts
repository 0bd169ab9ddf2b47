/**
 * Agent productivity (issue 14): labels on conversations and contacts, canned responses
 * (company-wide or one agent's) and private notes in a conversation. Notes have their own
 * table rather than a flag on `messages`: the delivery pipeline reads `messages` only, so a
 * note can never be sent to a customer by a filter someone forgot.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { contacts, conversations } from './conversations.js';
import { users } from './users.js';

export const labels = pgTable(
  'labels',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    name: varchar('name', { length: 40 }).notNull(),
    /** `#rrggbb`. */
    colour: varchar('colour', { length: 7 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('labels_company_name_key').on(t.companyId, sql`lower(${t.name})`)],
);

export const conversationLabels = pgTable(
  'conversation_labels',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    labelId: uuid('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.labelId] }),
    index('conversation_labels_label_idx').on(t.companyId, t.labelId),
  ],
);

export const contactLabels = pgTable(
  'contact_labels',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    labelId: uuid('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.labelId] }),
    index('contact_labels_label_idx').on(t.companyId, t.labelId),
  ],
);

/**
 * A file a canned response carries, kept under MEDIA_DIR as `<company id>/<fileId>` (the
 * same store as messages' files); checked by the rules of agents' outbound files.
 */
export interface CannedAttachmentColumn {
  fileId: string;
  kind: 'image' | 'document' | 'audio' | 'video';
  mimeType: string;
  filename: string | null;
  sizeBytes: number;
  sha256: string;
}

/** A saved reply: `ownerId` null is the company's, otherwise one agent's own. */
export const cannedResponses = pgTable(
  'canned_responses',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    ownerId: uuid('owner_id').references(() => users.id),
    shortcut: varchar('shortcut', { length: 40 }).notNull(),
    body: text('body').notNull(),
    /** Null: text only. */
    attachment: jsonb('attachment').$type<CannedAttachmentColumn>(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // One shortcut per scope: the company's, and each agent's own (an agent's may shadow the company's).
    uniqueIndex('canned_responses_company_shortcut_key')
      .on(t.companyId, t.shortcut)
      .where(sql`${t.ownerId} is null`),
    uniqueIndex('canned_responses_owner_shortcut_key')
      .on(t.companyId, t.ownerId, t.shortcut)
      .where(sql`${t.ownerId} is not null`),
  ],
);

export const conversationNotes = pgTable(
  'conversation_notes',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    body: text('body').notNull(),
    /** Ids of the users mentioned with `@name`, resolved when the note was written. */
    mentions: jsonb('mentions').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('conversation_notes_conversation_idx').on(t.conversationId, t.createdAt)],
);

import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { conversations, messages } from './conversations.js';
import { users } from './users.js';

/**
 * The company's WhatsApp message templates as Meta last described them (synced from
 * `GET /{waba-id}/message_templates`, updated by `message_template_status_update`
 * webhooks). A cache: Meta is the source of truth; a template is sent only while APPROVED.
 */
export const whatsappTemplates = pgTable(
  'whatsapp_templates',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    /** Meta's template id. */
    templateId: varchar('template_id', { length: 64 }).notNull(),
    name: varchar('name', { length: 512 }).notNull(),
    /** Meta's language and locale code, e.g. `pt_BR`. */
    language: varchar('language', { length: 15 }).notNull(),
    /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED … as Meta words it. */
    status: varchar('status', { length: 32 }).notNull(),
    category: varchar('category', { length: 32 }),
    /** POSITIONAL (`{{1}}`) or NAMED (`{{first_name}}`). */
    parameterFormat: varchar('parameter_format', { length: 16 }).notNull().default('POSITIONAL'),
    /** Meta's `components` array, as given. */
    components: jsonb('components').notNull(),
    /** Why it is not approved (the status webhook's `reason`). */
    statusReason: varchar('status_reason', { length: 500 }),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('whatsapp_templates_name_language_key').on(t.companyId, t.name, t.language),
    index('whatsapp_templates_template_id_idx').on(t.companyId, t.templateId),
  ],
);

/**
 * A file an agent uploaded to send (the bytes are under MEDIA_DIR/uploads): checked against
 * WhatsApp's limits once, sent by reference from `POST /api/conversations/:id/messages`.
 */
export const messageUploads = pgTable(
  'message_uploads',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: varchar('kind', { length: 10 }).notNull(),
    mimeType: varchar('mime_type', { length: 255 }).notNull(),
    filename: varchar('filename', { length: 255 }),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: varchar('sha256', { length: 64 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('message_uploads_company_idx').on(t.companyId, t.createdAt)],
);

/**
 * Every rating a conversation received, the agent's and the customer's, counted or not.
 * The conversation's `rating`/`rated_by` hold the one that counts (CSAT reads those).
 */
export const conversationRatings = pgTable(
  'conversation_ratings',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    score: smallint('score').notNull(),
    comment: text('comment'),
    /** `agent` or `customer`. */
    ratedBy: varchar('rated_by', { length: 10 }).notNull(),
    userId: uuid('user_id').references(() => users.id),
    /** The customer's answer, when it came as a message. */
    messageId: uuid('message_id').references(() => messages.id),
    /** False when it came after the conversation reopened, or too late. */
    isCounted: boolean('is_counted').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('conversation_ratings_conversation_idx').on(t.companyId, t.conversationId, t.createdAt)],
);

/**
 * Per company: the language customers are written to in, whether they are asked for a
 * rating on close, and the admins' own wording of each text (absent: the default).
 */
export const customerMessageSettings = pgTable('customer_message_settings', {
  companyId: uuid('company_id')
    .primaryKey()
    .references(() => companies.id),
  language: varchar('language', { length: 10 }).notNull().default('pt-BR'),
  isRatingEnabled: boolean('is_rating_enabled').notNull().default(false),
  /** `{key: text}` overrides of the defaults, in `language`. */
  texts: jsonb('texts').notNull().default({}),
  updatedBy: uuid('updated_by').references(() => users.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

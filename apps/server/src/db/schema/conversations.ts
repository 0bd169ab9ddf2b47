import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { users } from './users.js';

export const conversationChannel = pgEnum('conversation_channel', ['whatsapp', 'webchat', 'voice']);
export const conversationStatus = pgEnum('conversation_status', ['open', 'pending', 'resolved', 'snoozed']);
export const conversationPriority = pgEnum('conversation_priority', ['low', 'normal', 'high', 'urgent']);
export const messageDirection = pgEnum('message_direction', ['inbound', 'outbound', 'internal']);
export const messageAuthorType = pgEnum('message_author_type', ['contact', 'agent', 'bot', 'system']);
export const messageType = pgEnum('message_type', ['text', 'media', 'system']);
export const deliveryStatus = pgEnum('delivery_status', ['queued', 'sent', 'delivered', 'read', 'failed']);

export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    name: varchar('name', { length: 120 }),
    /** E.164. */
    phone: varchar('phone', { length: 20 }),
    email: varchar('email', { length: 254 }),
    /** Free attributes a company keeps about the contact (a JSON object, size-limited by the API). */
    customAttributes: jsonb('custom_attributes').$type<Record<string, unknown>>().notNull().default({}),
    /** Set when merged into another contact: this id answers 404 pointing at the survivor. */
    mergedIntoId: uuid('merged_into_id'),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /** LGPD erasure: personal data gone, the row kept so anonymous counts still add up. */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('contacts_company_created_idx').on(t.companyId, t.createdAt.desc(), t.id.desc()),
    uniqueIndex('contacts_company_phone_key')
      .on(t.companyId, t.phone)
      .where(sql`${t.phone} is not null`),
    index('contacts_company_email_idx').on(t.companyId, t.email),
  ],
);

/**
 * How a contact is known: `phone` (E.164), `whatsapp` (the wa_id), `email` (lower case),
 * `webchat` (the visitor id); `voice` is the legacy name of a phone identity.
 */
export type ContactIdentityKind = 'phone' | 'whatsapp' | 'email' | 'webchat' | 'voice';
/** How a contact is known on a channel (WhatsApp: the wa_id). */
export const contactIdentities = pgTable(
  'contact_identities',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    channel: varchar('channel', { length: 16 }).$type<ContactIdentityKind>().notNull(),
    externalId: varchar('external_id', { length: 128 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('contact_identities_channel_key').on(t.companyId, t.channel, t.externalId),
    index('contact_identities_contact_idx').on(t.contactId),
  ],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    channel: conversationChannel('channel').notNull(),
    status: conversationStatus('status').notNull(),
    snoozedUntil: timestamp('snoozed_until', { withTimezone: true }),
    awaitingHuman: boolean('awaiting_human').notNull().default(false),
    assigneeId: uuid('assignee_id').references(() => users.id),
    priority: conversationPriority('priority').notNull().default('normal'),
    rating: smallint('rating'),
    feedback: text('feedback'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: uuid('resolved_by').references(() => users.id),
    /** Who gave `rating`: `agent` or `customer` (CSAT counts the customer's). */
    ratedBy: varchar('rated_by', { length: 10 }),
    ratedAt: timestamp('rated_at', { withTimezone: true }),
    /** When the customer was asked to rate (on close); an answer within 7 days counts. */
    ratingRequestedAt: timestamp('rating_requested_at', { withTimezone: true }),
    /** WhatsApp's customer-service window: 24 h after the contact's last message (its timestamp). */
    windowExpiresAt: timestamp('window_expires_at', { withTimezone: true }),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
    lastMessagePreview: varchar('last_message_preview', { length: 200 }),
    /** What the list is ordered by: the last message, or a status change. */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('conversations_company_activity_idx').on(
      t.companyId,
      t.lastActivityAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('conversations_company_assignee_idx').on(t.companyId, t.assigneeId, t.lastActivityAt.desc().nullsFirst()),
    index('conversations_contact_idx').on(t.companyId, t.contactId, t.channel),
    // A contact has at most one conversation per channel that is not resolved: a message
    // from them lands in it (or reopens the last one).
    uniqueIndex('conversations_open_contact_channel_key')
      .on(t.companyId, t.contactId, t.channel)
      .where(sql`${t.status} <> 'resolved'`),
    index('conversations_snoozed_idx')
      .on(t.snoozedUntil)
      .where(sql`${t.status} = 'snoozed'`),
    // An agent's open chats (routing counts those taken by hand for every candidate of a
    // decision): only what is open, not every conversation the agent ever closed.
    index('conversations_open_assignee_idx')
      .on(t.companyId, t.assigneeId, t.channel)
      .where(sql`${t.status} in ('open', 'pending') and ${t.assigneeId} is not null`),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    direction: messageDirection('direction').notNull(),
    authorType: messageAuthorType('author_type').notNull(),
    authorId: uuid('author_id').references(() => users.id),
    type: messageType('type').notNull(),
    body: text('body'),
    /** {kind, media_id, mime_type, caption, filename, sha256} for media messages. */
    media: jsonb('media'),
    /** The channel's id for it (WhatsApp: wamid); unique per company so a replayed webhook stores nothing. */
    channelMessageId: varchar('channel_message_id', { length: 255 }),
    status: deliveryStatus('status'),
    failureReason: text('failure_reason'),
    deliveryAttempts: integer('delivery_attempts').notNull().default(0),
    /** Set while a node delivers it; a stale claim (crashed node) is taken over. */
    deliveryClaimedAt: timestamp('delivery_claimed_at', { withTimezone: true }),
    /** When the channel says it was sent (WhatsApp's timestamp of an inbound message). */
    channelSentAt: timestamp('channel_sent_at', { withTimezone: true }),
    metadata: jsonb('metadata'),
    /** What else the message is (location, contacts, reaction, interactive, template …), see conversations.ts. */
    content: jsonb('content'),
    /** The message this one replies to (WhatsApp's `context`), when we have it. */
    replyToMessageId: uuid('reply_to_message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('messages_conversation_created_idx').on(
      t.conversationId,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    uniqueIndex('messages_channel_message_key')
      .on(t.companyId, t.channelMessageId)
      .where(sql`${t.channelMessageId} is not null`),
    index('messages_queued_idx')
      .on(t.createdAt)
      .where(sql`${t.status} = 'queued'`),
  ],
);

/** Per-agent stars: each agent's own, never a colleague's. */
/** Where each agent has read a conversation up to: the inbox's unread marks, across devices. */
export const conversationReads = pgTable(
  'conversation_reads',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    lastReadAt: timestamp('last_read_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] })],
);

export const conversationFavorites = pgTable(
  'conversation_favorites',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.userId] }),
    index('conversation_favorites_user_idx').on(t.companyId, t.userId),
  ],
);

/**
 * Calls whose caller was sent to leave a voicemail (written before the recording starts),
 * and the conversation their voicemail and their outcome line share: set by whichever of
 * the two is written first, under this row's lock (conversations.voicemail.ts, ADR 21).
 */
export const callVoicemails = pgTable('call_voicemails', {
  /** calls.id: no foreign key, the calls module owns its rows. */
  callId: uuid('call_id').primaryKey(),
  companyId: uuid('company_id')
    .notNull()
    .references(() => companies.id),
  conversationId: uuid('conversation_id').references(() => conversations.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/**
 * Media a contact sent, to be fetched from the channel (WhatsApp keeps it 30 days) and
 * stored under MEDIA_DIR. The queue only: the outcome (status, size) is written into the
 * message's `media`, which is what clients read.
 */
export const mediaDownloads = pgTable(
  'media_downloads',
  {
    messageId: uuid('message_id')
      .primaryKey()
      .references(() => messages.id),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    attempts: integer('attempts').notNull().default(0),
    /** Null once stored or given up. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** Set while a node downloads it; a stale claim (crashed node) is taken over. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('media_downloads_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.nextAttemptAt} is not null`),
  ],
);

import { index, integer, jsonb, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { queues } from './routing.js';

/** `off`, `optional` or `required` for each field of the pre-chat form. */
export interface WebchatPrechatFieldsJson {
  name: 'off' | 'optional' | 'required';
  email: 'off' | 'optional' | 'required';
  phone: 'off' | 'optional' | 'required';
}

export interface WebchatColorsJson {
  primary: string;
  text: string;
}

/**
 * A company's web-chat channel: what the widget on its site shows and which pages may
 * embed it (origins, checked on every session and socket).
 */
export const webchatChannels = pgTable(
  'webchat_channels',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    name: varchar('name', { length: 100 }).notNull(),
    allowedOrigins: jsonb('allowed_origins').$type<string[]>().notNull(),
    greeting: varchar('greeting', { length: 500 }),
    prechatFields: jsonb('prechat_fields').$type<WebchatPrechatFieldsJson>().notNull(),
    defaultQueueId: uuid('default_queue_id').references(() => queues.id, { onDelete: 'set null' }),
    offlineMessage: varchar('offline_message', { length: 500 }),
    colors: jsonb('colors').$type<WebchatColorsJson>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webchat_channels_company_idx').on(t.companyId, t.createdAt)],
);

/**
 * An anonymous visitor of a web-chat channel: the id their signed token names (and their
 * contact's `webchat` identity), with what the pre-chat form asked. Deleting the channel
 * ends its visitors' tokens.
 */
export const webchatVisitors = pgTable(
  'webchat_visitors',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => webchatChannels.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }),
    email: varchar('email', { length: 254 }),
    phone: varchar('phone', { length: 20 }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webchat_visitors_channel_idx').on(t.channelId)],
);

/** A file a visitor sent, kept under MEDIA_DIR by this id until its message fetches it. */
export const webchatUploads = pgTable(
  'webchat_uploads',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    visitorId: uuid('visitor_id')
      .notNull()
      .references(() => webchatVisitors.id, { onDelete: 'cascade' }),
    kind: varchar('kind', { length: 16 }).notNull(),
    mimeType: varchar('mime_type', { length: 100 }).notNull(),
    filename: text('filename'),
    sizeBytes: integer('size_bytes').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webchat_uploads_visitor_idx').on(t.visitorId)],
);

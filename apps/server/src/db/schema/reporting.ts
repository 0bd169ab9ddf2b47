/**
 * Reporting: disposition codes agents give a call or conversation as they wrap it up,
 * the facts a report needs frozen when they happened (a queue's service-level threshold
 * and wrap-up of each routed item), and the supervisors' actions on the wallboard.
 * Queue entries, offers, messages and status changes are read from their own modules'
 * tables; only what those do not keep is stored here (docs/adr/0020-report-definitions.md).
 */
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { users } from './users.js';

export const dispositions = pgTable(
  'dispositions',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    code: varchar('code', { length: 40 }).notNull(),
    label: varchar('label', { length: 120 }).notNull(),
    isActive: boolean('active').notNull().default(true),
    /** Deleted codes stay for the items that carry them; a new code may take the name. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('dispositions_company_code_key')
      .on(t.companyId, t.code)
      .where(sql`${t.deletedAt} is null`),
  ],
);

/**
 * The disposition of one call or conversation (the last one given wins). Code and label
 * are copied so a report of a past day reads as it was; the queue is the item's latest
 * routed entry when the code was given.
 */
export const itemDispositions = pgTable(
  'item_dispositions',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    callId: uuid('call_id'),
    conversationId: uuid('conversation_id'),
    dispositionId: uuid('disposition_id')
      .notNull()
      .references(() => dispositions.id),
    code: varchar('code', { length: 40 }).notNull(),
    label: varchar('label', { length: 120 }).notNull(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => users.id),
    queueId: uuid('queue_id'),
    channel: varchar('channel', { length: 10 }).notNull(),
    note: varchar('note', { length: 500 }),
    setAt: timestamp('set_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('item_dispositions_call_key')
      .on(t.callId)
      .where(sql`${t.callId} is not null`),
    uniqueIndex('item_dispositions_conversation_key')
      .on(t.conversationId)
      .where(sql`${t.conversationId} is not null`),
    index('item_dispositions_company_set_idx').on(t.companyId, t.setAt),
  ],
);

/**
 * What a routed item's report needs that its entry does not keep: the queue's threshold
 * and wrap-up when the item arrived and when it ended. Written from routing's events.
 */
export const reportEntryFacts = pgTable(
  'report_entry_facts',
  {
    entryId: uuid('entry_id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    queueId: uuid('queue_id').notNull(),
    serviceLevelSeconds: integer('service_level_seconds').notNull(),
    wrapUpUntil: timestamp('wrap_up_until', { withTimezone: true }),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('report_entry_facts_company_idx').on(t.companyId, t.queueId)],
);

/** What a supervisor did to an agent or an item from the wallboard, with the reason given. */
export const supervisorActions = pgTable(
  'supervisor_actions',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    actorId: uuid('actor_id')
      .notNull()
      .references(() => users.id),
    action: varchar('action', { length: 30 }).notNull(),
    targetUserId: uuid('target_user_id'),
    entryId: uuid('entry_id'),
    reason: varchar('reason', { length: 200 }),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('supervisor_actions_company_at_idx').on(t.companyId, t.at)],
);

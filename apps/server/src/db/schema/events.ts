import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, jsonb, pgTable, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';

/**
 * Every domain event published, in order. `seq` is the order clients see; a client that
 * reconnects with the last seq it saw receives the rows after it that it may see.
 */
export const eventLog = pgTable(
  'event_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    name: varchar('name', { length: 80 }).notNull(),
    /** Users who receive it whatever their role. */
    userIds: uuid('user_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Whether the company's admins and supervisors receive it. */
    toManagers: boolean('to_managers').notNull().default(false),
    /** Whether every user of the company receives it. */
    toCompany: boolean('to_company').notNull().default(false),
    callId: uuid('call_id'),
    /** Also the company's sockets watching this topic (ADR 31); never replayed by it. */
    topic: varchar('topic', { length: 32 }),
    data: jsonb('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('event_log_company_seq_idx').on(t.companyId, t.seq), index('event_log_created_idx').on(t.createdAt)],
);

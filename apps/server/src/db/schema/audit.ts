/**
 * The audit log: one row per sensitive action (sign-ins, role changes, forced statuses,
 * channel secrets, recording downloads, contact exports, merges and erasures). Rows are
 * inserted in the transaction of the action and never updated: no API changes them.
 * Details hold ids and codes only, never a customer's personal data (LGPD erasure).
 */
import { index, jsonb, pgTable, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';

export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    /** 'user' | 'api_key' | 'system'. */
    actorType: varchar('actor_type', { length: 10 }).notNull(),
    /** No foreign key: the trail outlives what it names. */
    actorUserId: uuid('actor_user_id'),
    actorApiKeyId: uuid('actor_api_key_id'),
    action: varchar('action', { length: 61 }).notNull(),
    targetType: varchar('target_type', { length: 30 }),
    targetId: varchar('target_id', { length: 64 }),
    ip: varchar('ip', { length: 64 }),
    details: jsonb('details').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('audit_log_company_created_idx').on(t.companyId, t.createdAt.desc(), t.id.desc()),
    index('audit_log_company_action_idx').on(t.companyId, t.action, t.createdAt.desc()),
    index('audit_log_company_target_idx').on(t.companyId, t.targetType, t.targetId),
    index('audit_log_company_actor_idx').on(t.companyId, t.actorUserId, t.createdAt.desc()),
  ],
);

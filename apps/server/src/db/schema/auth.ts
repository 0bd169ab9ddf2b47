import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

/** Tenants. Every tenant-owned row elsewhere carries `company_id`. */
export const companies = pgTable('companies', {
  id: uuid('id').primaryKey(),
  name: varchar('name', { length: 120 }).notNull(),
  /** Short, unique, lowercase: the first part of every SIP endpoint id of this company. */
  sipPrefix: varchar('sip_prefix', { length: 12 }).notNull().unique(),
  extensionRangeStart: integer('extension_range_start').notNull().default(1000),
  extensionRangeEnd: integer('extension_range_end').notNull().default(1999),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Rotating refresh tokens. Only a SHA-256 of the secret is stored. A token that was
 * already rotated (`replaced_by_id` set) and is presented again revokes its whole family.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    userId: uuid('user_id').notNull(),
    familyId: uuid('family_id').notNull(),
    tokenHash: varchar('token_hash', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    replacedById: uuid('replaced_by_id'),
    userAgent: text('user_agent'),
    ip: varchar('ip', { length: 64 }),
  },
  (t) => [
    index('refresh_tokens_user_idx').on(t.companyId, t.userId),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_expires_idx')
      .on(t.expiresAt)
      .where(sql`${t.revokedAt} is null`),
  ],
);

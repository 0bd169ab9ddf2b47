import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgEnum, pgTable, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';

export const userRole = pgEnum('user_role', ['admin', 'supervisor', 'agent']);
export const sipTemplate = pgEnum('sip_template', ['webrtc', 'sip']);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    /** Lower-cased. Unique across companies: the email is how login finds the tenant. */
    email: varchar('email', { length: 254 }).notNull(),
    name: varchar('name', { length: 120 }).notNull(),
    role: userRole('role').notNull(),
    phone: varchar('phone', { length: 32 }),
    passwordHash: varchar('password_hash', { length: 255 }).notNull(),
    isActive: boolean('is_active').notNull().default(true),
    /** Access tokens issued before this instant are refused (logout everywhere, deactivation). */
    tokensValidAfter: timestamp('tokens_valid_after', { withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    index('users_company_created_idx').on(t.companyId, t.createdAt, t.id),
  ],
);

/**
 * A user's SIP device. Owns the rows of the same `endpoint_id` in ps_endpoints, ps_auths
 * and ps_aors (Asterisk's tables, which cannot carry our company_id).
 */
export const sipDevices = pgTable(
  'sip_devices',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    extension: integer('extension').notNull(),
    endpointId: varchar('endpoint_id', { length: 40 }).notNull(),
    template: sipTemplate('template').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    passwordRotatedAt: timestamp('password_rotated_at', { withTimezone: true }).notNull().defaultNow(),
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sip_devices_active_extension_key')
      .on(t.companyId, t.extension)
      .where(sql`${t.isActive}`),
    uniqueIndex('sip_devices_active_user_key')
      .on(t.userId)
      .where(sql`${t.isActive}`),
    uniqueIndex('sip_devices_active_endpoint_key')
      .on(t.endpointId)
      .where(sql`${t.isActive}`),
    index('sip_devices_company_idx').on(t.companyId, t.extension),
  ],
);

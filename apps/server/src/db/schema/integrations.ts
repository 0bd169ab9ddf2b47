import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
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
import { users } from './users.js';

/**
 * A company's event webhook. The secret is kept in clear because every delivery is signed
 * with it (HMAC needs the key); it is never returned after the answer that set it, nor
 * logged. During a rotation the previous secret signs too, until it expires.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    url: text('url').notNull(),
    description: varchar('description', { length: 200 }),
    eventTypes: text('event_types').array().notNull(),
    allowHttp: boolean('allow_http').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    /** The first failed attempt since the last success; null while deliveries succeed. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webhooks_company_idx').on(t.companyId)],
);

/** A company's RD Station Marketing connector (the token is write-only, like the webhook secret). */
export const rdstationIntegrations = pgTable(
  'rdstation_integrations',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    apiToken: text('api_token').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    /** `[{trigger, conversion_identifier}]`. */
    conversions: jsonb('conversions').notNull(),
    /** Our field → RD Station's field. */
    fieldMapping: jsonb('field_mapping').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('rdstation_integrations_company_key').on(t.companyId)],
);

/**
 * The outbox and the delivery log in one: one row per (target, event). Workers on any node
 * claim due rows with `FOR UPDATE SKIP LOCKED` and a lease; `position` orders rows of one
 * resource (ADR 22).
 */
export const integrationDeliveries = pgTable(
  'integration_deliveries',
  {
    id: uuid('id').primaryKey(),
    position: bigserial('position', { mode: 'number' }).notNull(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    /** `webhook` or `rdstation`. */
    targetKind: varchar('target_kind', { length: 16 }).notNull(),
    /** The webhook's or the RD Station connector's id. */
    targetId: uuid('target_id').notNull(),
    /** The event_log seq the delivery was derived from; null for pings. */
    eventSeq: bigint('event_seq', { mode: 'number' }),
    eventId: varchar('event_id', { length: 80 }).notNull(),
    eventType: varchar('event_type', { length: 80 }).notNull(),
    /** The resource the event is about: deliveries of one key go out in order. */
    orderingKey: varchar('ordering_key', { length: 120 }).notNull(),
    payload: jsonb('payload').notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** While `delivering`: when another node may take it over (the worker died). */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** Retries stop after this (24 h after the first attempt). */
    giveUpAt: timestamp('give_up_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('integration_deliveries_target_event_key')
      .on(t.targetId, t.eventSeq)
      .where(sql`${t.eventSeq} is not null`),
    index('integration_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'delivering')`),
    index('integration_deliveries_order_idx')
      .on(t.targetId, t.orderingKey, t.position)
      .where(sql`${t.status} in ('pending', 'delivering')`),
    index('integration_deliveries_log_idx').on(t.targetId, t.createdAt, t.id),
  ],
);

/** Each attempt of a delivery: time, answer, latency, the first 2 KB of the body, the error. */
export const integrationDeliveryAttempts = pgTable(
  'integration_delivery_attempts',
  {
    id: uuid('id').primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => integrationDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    responseStatus: smallint('response_status'),
    latencyMs: integer('latency_ms').notNull(),
    responseBody: text('response_body'),
    error: text('error'),
  },
  (t) => [index('integration_delivery_attempts_delivery_idx').on(t.deliveryId, t.attemptedAt)],
);

/**
 * How far the event log has been turned into deliveries (one row). Advanced in the same
 * transaction that inserts the deliveries, under `FOR UPDATE`: every event is enqueued
 * exactly once however many nodes read the log.
 */
export const integrationEventCursor = pgTable('integration_event_cursor', {
  id: smallint('id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});

/** API keys: only a SHA-256 of the key is kept; `prefix` lets people recognise theirs. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    name: varchar('name', { length: 80 }).notNull(),
    scopes: text('scopes').array().notNull(),
    prefix: varchar('prefix', { length: 16 }).notNull(),
    keyHash: varchar('key_hash', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('api_keys_hash_key').on(t.keyHash), index('api_keys_company_idx').on(t.companyId)],
);

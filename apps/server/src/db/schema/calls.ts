import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { companies } from './auth.js';
import { users } from './users.js';

export const callStatus = pgEnum('call_status', [
  'initiated',
  'ringing',
  'in_progress',
  'completed',
  'failed',
  'busy',
  'no_answer',
  'canceled',
  'transferred',
]);
export const callDirection = pgEnum('call_direction', ['inbound', 'outbound', 'internal']);

export const calls = pgTable(
  'calls',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    agentId: uuid('agent_id').references(() => users.id),
    direction: callDirection('direction').notNull(),
    status: callStatus('status').notNull(),
    fromNumber: varchar('from_number', { length: 64 }).notNull(),
    toNumber: varchar('to_number', { length: 64 }).notNull(),
    /** Asterisk's linkedid/uniqueid of the first channel: joins CDRs and AMI events. */
    asteriskUniqueId: varchar('asterisk_unique_id', { length: 150 }),
    agentChannelId: varchar('agent_channel_id', { length: 150 }),
    customerChannelId: varchar('customer_channel_id', { length: 150 }),
    asteriskBridgeId: varchar('asterisk_bridge_id', { length: 150 }),
    ringingAt: timestamp('ringing_at', { withTimezone: true }),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    durationSeconds: integer('duration_seconds'),
    billableSeconds: integer('billable_seconds'),
    hangupCause: integer('hangup_cause'),
    hangupCauseText: varchar('hangup_cause_text', { length: 120 }),
    endedBy: varchar('ended_by', { length: 16 }),
    transferredTo: varchar('transferred_to', { length: 64 }),
    /** Set while the customer is on hold (music on hold in the call's bridge). */
    heldAt: timestamp('held_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('calls_company_created_idx').on(t.companyId, t.createdAt, t.id),
    index('calls_company_agent_created_idx').on(t.companyId, t.agentId, t.createdAt),
    index('calls_company_status_idx').on(t.companyId, t.status),
    uniqueIndex('calls_agent_channel_key').on(t.agentChannelId),
    uniqueIndex('calls_customer_channel_key').on(t.customerChannelId),
  ],
);

/** Every status change, with when it happened at Asterisk and what reported it. */
export const callTransitions = pgTable(
  'call_transitions',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    fromStatus: callStatus('from_status'),
    toStatus: callStatus('to_status').notNull(),
    source: varchar('source', { length: 80 }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    details: jsonb('details'),
  },
  (t) => [index('call_transitions_call_idx').on(t.companyId, t.callId, t.occurredAt)],
);

export const callNotes = pgTable(
  'call_notes',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('call_notes_call_idx').on(t.companyId, t.callId, t.createdAt)],
);

/** A recording's id is random and unguessable; the file name is never taken from input. */
export const callRecordings = pgTable(
  'call_recordings',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    asteriskName: varchar('asterisk_name', { length: 200 }).notNull(),
    format: varchar('format', { length: 16 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    durationSeconds: integer('duration_seconds'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('call_recordings_call_key').on(t.callId), index('call_recordings_company_idx').on(t.companyId)],
);

/**
 * A supervisor listening to, whispering to or barging into a call. `modes` is the story:
 * each mode with when it began and ended. One open session per supervisor and call.
 */
export const callMonitors = pgTable(
  'call_monitors',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    supervisorId: uuid('supervisor_id')
      .notNull()
      .references(() => users.id),
    mode: varchar('mode', { length: 16 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    modes: jsonb('modes').$type<{ mode: string; from: string; to: string | null }[]>().notNull(),
    supervisorChannelId: varchar('supervisor_channel_id', { length: 150 }).notNull(),
    snoopChannelId: varchar('snoop_channel_id', { length: 150 }),
    bridgeId: varchar('bridge_id', { length: 150 }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: varchar('end_reason', { length: 40 }),
  },
  (t) => [
    index('call_monitors_call_idx').on(t.companyId, t.callId, t.startedAt),
    index('call_monitors_supervisor_idx').on(t.companyId, t.supervisorId, t.startedAt),
    uniqueIndex('call_monitors_supervisor_channel_key').on(t.supervisorChannelId),
    uniqueIndex('call_monitors_open_key')
      .on(t.callId, t.supervisorId)
      .where(sql`${t.endedAt} is null`),
  ],
);

/**
 * An attended transfer: the agent's second leg to a target while the customer is held.
 * `timeline` says whom the agent talked to from when; one open consult per call.
 */
export const callConsults = pgTable(
  'call_consults',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    agentId: uuid('agent_id').references(() => users.id),
    target: varchar('target', { length: 64 }).notNull(),
    targetKind: varchar('target_kind', { length: 16 }).notNull(),
    targetUserId: uuid('target_user_id').references(() => users.id),
    channelId: varchar('channel_id', { length: 150 }).notNull(),
    bridgeId: varchar('bridge_id', { length: 150 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    endReason: varchar('end_reason', { length: 40 }),
    timeline: jsonb('timeline')
      .$type<{ at: string; step: string; agent_with: 'customer' | 'target' | null }[]>()
      .notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    index('call_consults_call_idx').on(t.companyId, t.callId, t.startedAt),
    uniqueIndex('call_consults_channel_key').on(t.channelId),
    uniqueIndex('call_consults_open_key')
      .on(t.callId)
      .where(sql`${t.endedAt} is null`),
  ],
);

/**
 * The virtual intercom: units and their residents (company data the bot looks visitors'
 * answers up in), each company's intercom settings (its AudioSocket UUID and gate
 * webhook), and every intercom call with its ordered transcript.
 */
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';

export const voicebotUnits = pgTable(
  'voicebot_units',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    /** Normalised: trimmed, upper case, single spaces. */
    number: varchar('number', { length: 32 }).notNull(),
    label: varchar('label', { length: 120 }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('voicebot_units_company_number_key').on(t.companyId, t.number),
    index('voicebot_units_company_created_idx').on(t.companyId, t.createdAt, t.id),
  ],
);

export const voicebotResidents = pgTable(
  'voicebot_residents',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => voicebotUnits.id),
    name: varchar('name', { length: 120 }).notNull(),
    phone: varchar('phone', { length: 32 }),
    sipExtension: varchar('sip_extension', { length: 40 }),
    priority: integer('priority').notNull().default(0),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('voicebot_residents_company_unit_idx').on(t.companyId, t.unitId, t.priority),
    index('voicebot_residents_company_created_idx').on(t.companyId, t.createdAt, t.id),
  ],
);

export const voicebotSettings = pgTable(
  'voicebot_settings',
  {
    companyId: uuid('company_id')
      .primaryKey()
      .references(() => companies.id),
    /** The UUID the intercom's dialplan gives AudioSocket(); names the company. */
    intercomUuid: uuid('intercom_uuid').notNull(),
    gateWebhookUrl: text('gate_webhook_url'),
    /** In clear: HMAC signing needs it. Never returned by the API. */
    gateWebhookSecret: text('gate_webhook_secret'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('voicebot_settings_intercom_uuid_key').on(t.intercomUuid)],
);

export const voicebotCalls = pgTable(
  'voicebot_calls',
  {
    /** Our call id: the `call_id` of /api/status and /api/hangup for both legs. */
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    status: varchar('status', { length: 16 }).notNull(),
    outcome: varchar('outcome', { length: 16 }),
    endReason: varchar('end_reason', { length: 40 }),
    visitorAudiosocketUuid: varchar('visitor_audiosocket_uuid', { length: 36 }).notNull(),
    residentAudiosocketUuid: varchar('resident_audiosocket_uuid', { length: 36 }),
    unitId: uuid('unit_id').references(() => voicebotUnits.id, { onDelete: 'set null' }),
    unitNumber: varchar('unit_number', { length: 32 }),
    residentId: uuid('resident_id').references(() => voicebotResidents.id, { onDelete: 'set null' }),
    residentName: varchar('resident_name', { length: 120 }),
    visitorName: varchar('visitor_name', { length: 120 }),
    purpose: varchar('purpose', { length: 200 }),
    gateStatus: varchar('gate_status', { length: 16 }).notNull().default('not_requested'),
    gateAttempts: integer('gate_attempts').notNull().default(0),
    gateHttpStatus: integer('gate_http_status'),
    gateError: varchar('gate_error', { length: 200 }),
    gateAt: timestamp('gate_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    residentAnsweredAt: timestamp('resident_answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    index('voicebot_calls_company_started_idx').on(t.companyId, t.startedAt, t.id),
    index('voicebot_calls_company_outcome_idx').on(t.companyId, t.outcome),
  ],
);

export const voicebotTranscriptLines = pgTable(
  'voicebot_transcript_lines',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    callId: uuid('call_id')
      .notNull()
      .references(() => voicebotCalls.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    who: varchar('who', { length: 16 }).notNull(),
    leg: varchar('leg', { length: 16 }).notNull(),
    kind: varchar('kind', { length: 16 }).notNull(),
    text: text('text').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('voicebot_transcript_lines_call_seq_key').on(t.callId, t.seq)],
);

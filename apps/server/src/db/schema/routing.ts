/**
 * Routing (ACD): queues, who serves them, the items waiting in them and the offers made
 * to agents. Exactly-once is held by the partial unique indexes below as well as by the
 * engine's row locks: even a wrong code path cannot give a conversation two live entries,
 * an entry two live offers (ring_all aside) or an agent two calls.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  smallint,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { users } from './users.js';

export const routingChannel = pgEnum('routing_channel', ['voice', 'whatsapp', 'webchat']);
export const queueStrategy = pgEnum('queue_strategy', ['longest_idle', 'least_busy', 'round_robin', 'ring_all']);
export const queueOfferMode = pgEnum('queue_offer_mode', ['auto', 'accept']);
export const queueEntryState = pgEnum('queue_entry_state', [
  'waiting',
  'offered',
  'assigned',
  'abandoned',
  'overflowed',
  'completed',
]);
export const routingOfferState = pgEnum('routing_offer_state', [
  'offered',
  'accepted',
  'rejected',
  'expired',
  'cancelled',
]);

export interface RequiredSkillJson {
  name: string;
  min_level: number;
}
export type OverflowJson = { action: 'queue'; queue_id: string } | { action: 'voicemail' } | { action: 'callback' };
export interface BusinessHoursJson {
  /** 0 = Sunday … 6 = Saturday; `from`/`to` as HH:MM in the company's time zone. */
  ranges: { day: number; from: string; to: string }[];
  closed_action: { action: 'message'; text?: string | null | undefined } | { action: 'voicemail' };
}
export interface EntryMenuJson {
  /** Sent to the customer; by default the options listed in the company's language. */
  prompt?: string | null | undefined;
  options: { key: string; label: string; queue_id: string }[];
}

/** Per company: the time zone business hours are read in and the language customers are written to in. */
export const routingSettings = pgTable('routing_settings', {
  companyId: uuid('company_id')
    .primaryKey()
    .references(() => companies.id),
  timeZone: varchar('time_zone', { length: 64 }).notNull().default('America/Sao_Paulo'),
  language: varchar('language', { length: 10 }).notNull().default('pt-BR'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const queues = pgTable(
  'queues',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    name: varchar('name', { length: 80 }).notNull(),
    channels: jsonb('channels').$type<('voice' | 'whatsapp' | 'webchat')[]>().notNull(),
    strategy: queueStrategy('strategy').notNull().default('longest_idle'),
    offerMode: queueOfferMode('offer_mode').notNull().default('auto'),
    offerTimeoutSeconds: integer('offer_timeout_seconds').notNull().default(20),
    requiredSkills: jsonb('required_skills').$type<RequiredSkillJson[]>().notNull().default([]),
    priority: integer('priority').notNull().default(0),
    serviceLevelSeconds: integer('service_level_seconds').notNull().default(20),
    serviceLevelTarget: real('service_level_target').notNull().default(0.8),
    maxWaitSeconds: integer('max_wait_seconds'),
    overflow: jsonb('overflow').$type<OverflowJson>(),
    wrapUpSeconds: integer('wrap_up_seconds').notNull().default(0),
    announcePosition: boolean('announce_position').notNull().default(false),
    businessHours: jsonb('business_hours').$type<BusinessHoursJson>(),
    /** round_robin: the member chosen last. */
    lastChosenAgentId: uuid('last_chosen_agent_id'),
    /** When queue_stats last went out (at most once a second per queue, cluster-wide). */
    statsPublishedAt: timestamp('stats_published_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('queues_company_name_key')
      .on(t.companyId, t.name)
      .where(sql`${t.deletedAt} is null`),
  ],
);

export const queueMembers = pgTable(
  'queue_members',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    queueId: uuid('queue_id')
      .notNull()
      .references(() => queues.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** Lower is preferred (Asterisk's penalty): a tier is tried before the next. */
    priority: integer('priority').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.queueId, t.userId] }), index('queue_members_user_idx').on(t.userId)],
);

export const userSkills = pgTable(
  'user_skills',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    name: varchar('name', { length: 60 }).notNull(),
    level: smallint('level').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.name] })],
);

/**
 * An agent as the engine sees them: capacity per chat channel and the state routing keeps.
 * The engine locks this row (after the entry) before giving the agent anything.
 */
export const routingAgents = pgTable('routing_agents', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  companyId: uuid('company_id')
    .notNull()
    .references(() => companies.id),
  whatsappCapacity: smallint('whatsapp_capacity').notNull().default(3),
  webchatCapacity: smallint('webchat_capacity').notNull().default(3),
  lastItemEndedAt: timestamp('last_item_ended_at', { withTimezone: true }),
  wrapUpUntil: timestamp('wrap_up_until', { withTimezone: true }),
  missedOffers: integer('missed_offers').notNull().default(0),
  /**
   * Items the agent holds per channel through routing: entries assigned to them plus live
   * offers. Kept by the triggers of migration 0020 on queue_entries and routing_offers (in
   * the transaction that changes the entry or offer, whatever code path does it), so a
   * decision reads one row instead of counting; conversations taken by hand are counted
   * apart (engine repository).
   */
  voiceItems: integer('voice_items').notNull().default(0),
  whatsappItems: integer('whatsapp_items').notNull().default(0),
  webchatItems: integer('webchat_items').notNull().default(0),
  /** The status to return to after a call made the agent busy. */
  statusBeforeBusy: varchar('status_before_busy', { length: 10 }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const pauseReasons = pgTable(
  'pause_reasons',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    name: varchar('name', { length: 60 }).notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('pause_reasons_company_name_key')
      .on(t.companyId, t.name)
      .where(sql`${t.deletedAt} is null`),
  ],
);

/** Every status an agent chose or was put in, with the pause reason: what reports read. */
export const agentStatusChanges = pgTable(
  'agent_status_changes',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    status: varchar('status', { length: 10 }).notNull(),
    pauseReasonId: uuid('pause_reason_id'),
    /** The reason's name when it was chosen, or a system reason (`missed_offers`). */
    pauseReason: varchar('pause_reason', { length: 60 }),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('agent_status_changes_user_idx').on(t.companyId, t.userId, t.at)],
);

/** Where a channel's items go: a default queue and an optional menu (WhatsApp: "1 Vendas, 2 Suporte"). */
export const routingEntryPoints = pgTable(
  'routing_entry_points',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    channel: routingChannel('channel').notNull(),
    /** A DID for voice; empty for the company's chat channels. */
    address: varchar('address', { length: 32 }).notNull().default(''),
    defaultQueueId: uuid('default_queue_id').references(() => queues.id),
    menu: jsonb('menu').$type<EntryMenuJson>(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.channel, t.address] })],
);

/** A conversation in front of a menu: the bot has it until the customer picks a queue. */
export const routingMenuSessions = pgTable('routing_menu_sessions', {
  conversationId: uuid('conversation_id').primaryKey(),
  companyId: uuid('company_id')
    .notNull()
    .references(() => companies.id),
  channel: routingChannel('channel').notNull(),
  attempts: integer('attempts').notNull().default(0),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
});

export const queueEntries = pgTable(
  'queue_entries',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    queueId: uuid('queue_id')
      .notNull()
      .references(() => queues.id),
    channel: routingChannel('channel').notNull(),
    callId: uuid('call_id'),
    conversationId: uuid('conversation_id'),
    /** Who is waiting, as an agent's toast names them (contact name or number). */
    label: varchar('label', { length: 120 }),
    priority: integer('priority').notNull().default(0),
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true }).notNull(),
    /** The first enqueue of this item: kept through transfers and overflows, for reporting. */
    originalEnqueuedAt: timestamp('original_enqueued_at', { withTimezone: true }).notNull(),
    /** Returned to the front (its agent dropped): routed before every other waiting item of its priority. */
    isFront: boolean('is_front').notNull().default(false),
    state: queueEntryState('state').notNull(),
    offeredTo: uuid('offered_to'),
    attempts: integer('attempts').notNull().default(0),
    /** Agents who rejected or let an offer of it expire: tried again only when nobody else can take it. */
    declinedBy: uuid('declined_by')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Every agent it was offered to, in order (the call record's "offered to"). */
    offeredAgents: uuid('offered_agents')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    assignedTo: uuid('assigned_to'),
    assignedAt: timestamp('assigned_at', { withTimezone: true }),
    waitSeconds: integer('wait_seconds'),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: varchar('end_reason', { length: 40 }),
    /** The overflow or closed action applied (voicemail and callback are the voice side's to carry out). */
    overflowAction: jsonb('overflow_action').$type<Record<string, unknown>>(),
    previousEntryId: uuid('previous_entry_id'),
    isSlaBreached: boolean('sla_breached').notNull().default(false),
    lastAnnouncedAt: timestamp('last_announced_at', { withTimezone: true }),
    lastAnnouncedPosition: integer('last_announced_position'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('queue_entries_active_conversation_key')
      .on(t.conversationId)
      .where(sql`${t.state} in ('waiting', 'offered', 'assigned') and ${t.conversationId} is not null`),
    uniqueIndex('queue_entries_active_call_key')
      .on(t.callId)
      .where(sql`${t.state} in ('waiting', 'offered', 'assigned') and ${t.callId} is not null`),
    uniqueIndex('queue_entries_agent_voice_key')
      .on(t.assignedTo)
      .where(sql`${t.state} = 'assigned' and ${t.channel} = 'voice'`),
    index('queue_entries_waiting_idx')
      .on(t.queueId, t.priority.desc(), t.isFront.desc(), t.enqueuedAt)
      .where(sql`${t.state} = 'waiting'`),
    index('queue_entries_agent_idx')
      .on(t.assignedTo)
      .where(sql`${t.state} = 'assigned'`),
    index('queue_entries_queue_ended_idx').on(t.queueId, t.endedAt),
    // The sweep's service level (answered since) and its queues changed since, every second.
    index('queue_entries_queue_assigned_idx').on(t.queueId, t.assignedAt),
    index('queue_entries_updated_idx').on(t.updatedAt),
  ],
);

export const routingOffers = pgTable(
  'routing_offers',
  {
    id: uuid('id').primaryKey(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    entryId: uuid('entry_id')
      .notNull()
      .references(() => queueEntries.id),
    queueId: uuid('queue_id')
      .notNull()
      .references(() => queues.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => users.id),
    channel: routingChannel('channel').notNull(),
    state: routingOfferState('state').notNull(),
    isRingAll: boolean('is_ring_all').notNull().default(false),
    offeredAt: timestamp('offered_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('routing_offers_live_entry_key')
      .on(t.entryId)
      .where(sql`${t.state} = 'offered' and not ${t.isRingAll}`),
    uniqueIndex('routing_offers_live_agent_entry_key')
      .on(t.entryId, t.agentId)
      .where(sql`${t.state} = 'offered'`),
    uniqueIndex('routing_offers_live_agent_voice_key')
      .on(t.agentId)
      .where(sql`${t.state} = 'offered' and ${t.channel} = 'voice'`),
    index('routing_offers_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.state} = 'offered'`),
    index('routing_offers_agent_idx').on(t.agentId, t.state),
  ],
);

/**
 * The routing sweep's last run. A node takes the sweep under the advisory lock of
 * db/leader-lock.ts and records it here; the sweep's work then runs outside that lock
 * (each of its decisions locks its own rows), and the next node to look finds it done.
 */
export const routingSweeps = pgTable('routing_sweeps', {
  name: varchar('name', { length: 40 }).primaryKey(),
  nodeId: uuid('node_id').notNull(),
  ranAt: timestamp('ran_at', { withTimezone: true }).notNull(),
});

import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgEnum, pgTable, primaryKey, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { companies } from './auth.js';
import { users } from './users.js';

export const presenceStatus = pgEnum('presence_status', ['online', 'offline', 'busy', 'away']);

/** One row per user who was ever seen; a user without one is offline and never seen. */
export const agentPresences = pgTable(
  'agent_presences',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    status: presenceStatus('status').notNull().default('offline'),
    message: varchar('message', { length: 200 }),
    /** Why the agent is `away` (a company pause reason, or `missed_offers` set by routing); null otherwise. */
    pauseReasonId: uuid('pause_reason_id'),
    pauseReason: varchar('pause_reason', { length: 60 }),
    lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
    /** Whether any row of presence_connections is left for the user: kept here so reads and events need no join. */
    isConnected: boolean('websocket_connected').notNull().default(false),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    /**
     * The status the agent last chose themselves (not a timeout, a supervisor or routing),
     * with its message and pause reason: what a fresh sign-in restores.
     */
    chosenStatus: presenceStatus('chosen_status'),
    chosenMessage: varchar('chosen_message', { length: 200 }),
    chosenPauseReasonId: uuid('chosen_pause_reason_id'),
    chosenPauseReason: varchar('chosen_pause_reason', { length: 60 }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.userId] }),
    // The sweeper's scan: agents not offline, oldest heartbeat first.
    index('agent_presences_sweep_idx')
      .on(t.lastHeartbeatAt)
      .where(sql`${t.status} <> 'offline'`),
  ],
);

/**
 * Open Socket.IO connections per user and server node. Each node refreshes `seen_at` of
 * its rows on every sweeper tick; rows of a node that stopped refreshing (crashed) are
 * removed by the sweeper.
 */
export const presenceConnections = pgTable(
  'presence_connections',
  {
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    nodeId: uuid('node_id').notNull(),
    openSockets: integer('open_sockets').notNull(),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.userId, t.nodeId] }),
    index('presence_connections_node_idx').on(t.nodeId),
    index('presence_connections_seen_idx').on(t.seenAt),
  ],
);

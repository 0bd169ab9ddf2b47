import { bigint, pgTable, timestamp, varchar } from 'drizzle-orm/pg-core';

/**
 * Who owns a PBX resource shared by every node (today one row, `ari`: the Stasis
 * application's events WebSocket). A node holds the lease while `expires_at` is ahead of
 * the database's clock and renews it every second; another node takes it with a
 * conditional upsert once it has expired (modules/calls/calls.ownership.ts, ADR 23).
 * Times come from the database's clock, so nodes with skewed clocks agree.
 */
export const pbxLeases = pgTable('pbx_leases', {
  name: varchar('name', { length: 40 }).primaryKey(),
  holderNodeId: varchar('holder_node_id', { length: 120 }).notNull(),
  /** Bumped each time the lease changes hands: a fencing token for logs and tests. */
  term: bigint('term', { mode: 'number' }).notNull(),
  acquiredAt: timestamp('acquired_at', { withTimezone: true }).notNull(),
  renewedAt: timestamp('renewed_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  /** The previous holder's last renewal when the lease changed hands: the last moment it was known alive. */
  previousRenewedAt: timestamp('previous_renewed_at', { withTimezone: true }),
});

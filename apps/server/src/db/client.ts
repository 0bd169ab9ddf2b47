/**
 * The database client: embedded PGlite when no DATABASE_URL is set, node-postgres when it
 * is. Both speak the same PostgreSQL dialect through the same Drizzle schema.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { NamedStatementClient } from './pg-named-statements.js';
import { pgliteStatementClient } from './pglite-statements.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** A database or a transaction: repositories accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATION_LOCK_KEY = 0x5b_0a_4d_01;

/** apps/server/drizzle, from src/db (tests, tsx) or dist/src/db (the build). */
export const MIGRATIONS_DIR =
  [new URL('../../drizzle', import.meta.url), new URL('../../../drizzle', import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(join(dir, 'meta', '_journal.json'))) ??
  fileURLToPath(new URL('../../drizzle', import.meta.url));

export async function openDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir?: string;
  pglite?: PGlite;
  poolSize?: number;
  /** An idle pooled connection that failed (closed by PostgreSQL); the pool has dropped it. */
  onIdleConnectionError?: (error: Error) => void;
}): Promise<DatabaseHandle> {
  const databaseUrl = options.databaseUrl;
  if (databaseUrl) {
    // Statements with parameters run as named prepared statements (ADR 33).
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: options.poolSize ?? 10,
      Client: NamedStatementClient,
    });
    // PostgreSQL may end an idle connection (a restart or failover, an administrator's
    // pg_terminate_backend, a proxy's idle timeout): the pool emits it as an 'error', which
    // Node throws when nobody listens, ending the process. node-postgres has already dropped
    // that connection, and the next query opens another: report it and keep serving.
    pool.on('error', (error) => options.onIdleConnectionError?.(error));
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      migrate: async () => {
        // Several nodes may start at once: one migrates while the others wait. The lock
        // is held on its own connection so a pool of one can still run the migration.
        const lockClient = new pg.Client({ connectionString: databaseUrl });
        await lockClient.connect();
        try {
          await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
          await migratePg(db as never, { migrationsFolder: MIGRATIONS_DIR });
        } finally {
          await lockClient.end().catch(() => undefined);
        }
      },
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => pool.end(),
    };
  }
  let client = options.pglite;
  if (!client) {
    const dir = join(options.dataDir ?? './data', 'pglite');
    mkdirSync(dir, { recursive: true });
    client = await PGlite.create(dir);
  }
  const pglite = client;
  // Drizzle's PGlite session calls `query` and `transaction`: the statement client answers
  // them with prepared statements, one call into PostgreSQL per execution (ADR 29).
  const db = drizzlePglite(pgliteStatementClient(pglite) as unknown as PGlite, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pglite.close(),
  };
}

import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { randomString } from '../../src/shared/ids.js';

export interface TestDatabase {
  /** Set on the embedded database. */
  pglite?: PGlite;
  /** Set on a PostgreSQL server. */
  databaseUrl?: string;
  /** Drops what `createTestDatabase` made (the server closes its own pool or PGlite). */
  dispose(): Promise<void>;
}

/** A fresh, migrated database for one test file (or one test). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('postgresTemplate');
  const baseUrl = process.env.DATABASE_URL;
  if (template && baseUrl) {
    const name = `${inject('postgresRunPrefix')}_${randomString(10, 'abcdefghijklmnopqrstuvwxyz')}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name} template ${template}`);
    } finally {
      await admin.end();
    }
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    return {
      databaseUrl: url.toString(),
      async dispose() {
        // `with (force)` may be refused while an autovacuum worker (no role) is in the
        // database: try a few times, then leave it to the run's clean-up with a warning.
        const client = new pg.Client({ connectionString: baseUrl });
        await client.connect();
        try {
          for (let attempt = 1; ; attempt += 1) {
            try {
              await client.query(`drop database if exists ${name} with (force)`);
              return;
            } catch (error) {
              if (attempt >= 5) {
                console.warn(`test database ${name} not dropped: ${(error as Error).message}`);
                return;
              }
              await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
            }
          }
        } finally {
          await client.end();
        }
      },
    };
  }
  const dump = readFileSync(inject('pgliteDumpPath'));
  const pglite = await PGlite.create({ loadDataDir: new Blob([dump]) });
  return { pglite, dispose: async () => undefined };
}

/**
 * Several server nodes over one embedded database: every node but the first gets the
 * shared PGlite behind a proxy whose `close` does nothing, so closing one node does not
 * close the database under the others.
 */
export function sharedPglite(pglite: PGlite): PGlite {
  return new Proxy(pglite, {
    get(target, property) {
      if (property === 'close') return async () => undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

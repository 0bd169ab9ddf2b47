import type { Query } from 'drizzle-orm';
import type { PreparedQueryConfig } from 'drizzle-orm/pg-core';
import type { Db } from './client.js';

/**
 * A statement prepared under a fixed name, its rows fetched as arrays and mapped by
 * `mapRows`: the same text under the same name on every connection and in every process
 * (on PGlite, one protocol call per execution: ADR 29). The one place that reaches drizzle's
 * session for it; `query` is a builder's `.toSQL()` with `sql.placeholder`s.
 */
export function prepareNamed<T>(db: Db, query: Query, name: string, mapRows: (rows: unknown[][]) => T) {
  return db._.session.prepareQuery<{ execute: T } & PreparedQueryConfig>(query, undefined, name, true, mapRows);
}

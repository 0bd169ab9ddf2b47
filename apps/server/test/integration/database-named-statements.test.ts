/**
 * On a PostgreSQL server a statement with parameters runs as a named prepared statement,
 * parsed once per pooled connection (ADR 33): PostgreSQL lists it in
 * `pg_prepared_statements` of the connection that ran it, once however often it ran, and
 * gives the same rows as before. Statements without parameters stay unnamed. PostgreSQL
 * only (the embedded database names its statements in its own client, ADR 29).
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { statementNameFor } from '../../src/db/pg-named-statements.js';
import { companies, users } from '../../src/db/schema/index.js';
import { newId, randomString } from '../../src/shared/ids.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { recordSkip } from '../support/programs.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  recordSkip({
    suite: 'database-named-statements',
    reason: 'needs PostgreSQL (DATABASE_URL): the embedded database prepares statements in its own client',
  });
}

const prefix = () => `n${randomString(8, 'abcdefghijklmnopqrstuvwxyz')}`;

interface PreparedRow {
  name: string;
  statement: string;
  [key: string]: unknown;
}

describe.skipIf(!databaseUrl)('statements on a PostgreSQL server', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection, so every statement below runs on the one whose statements are listed.
    handle = await openDatabase({ databaseUrl: database.databaseUrl, poolSize: 1 });
  });

  afterAll(async () => {
    await handle?.close();
    await database?.dispose();
  });

  async function prepared(): Promise<PreparedRow[]> {
    const result: unknown = await handle.db.execute(sql`select name, statement from pg_prepared_statements`);
    return (result as { rows: PreparedRow[] }).rows;
  }

  it('prepares a statement with parameters once per connection, under its text name, and reads the same rows', async () => {
    const { db } = handle;
    const companyId = newId();
    const now = new Date();
    await db
      .insert(companies)
      .values({ id: companyId, name: 'Named', sipPrefix: prefix(), createdAt: now, updatedAt: now });
    const ids = [newId(), newId()];
    for (const [i, id] of ids.entries()) {
      await db.insert(users).values({
        id,
        companyId,
        email: `named${i}@example.test`,
        name: `Agente ${i}`,
        passwordHash: 'x',
        role: 'agent',
        createdAt: now,
        updatedAt: now,
      });
    }
    const read = (userId: string) =>
      db
        .select({ id: users.id, name: users.name })
        .from(users)
        .where(and(eq(users.companyId, companyId), eq(users.id, userId)));
    const first = await read(ids[0]!);
    const second = await read(ids[1]!);
    const again = await read(ids[0]!);
    expect(first).toEqual([{ id: ids[0], name: 'Agente 0' }]);
    expect(second).toEqual([{ id: ids[1], name: 'Agente 1' }]);
    expect(again).toEqual(first);

    const text = read(ids[0]!).toSQL().sql;
    const name = statementNameFor(text);
    expect(name).toMatch(/^sb_auto_\d+$/);
    const rows = await prepared();
    const matching = rows.filter((row) => row.statement === text);
    expect(matching).toEqual([{ name, statement: text }]);
    // The listing itself has no parameters: not prepared.
    expect(rows.some((row) => row.statement.includes('pg_prepared_statements'))).toBe(false);
  });

  it('runs a transaction and a failing statement as before, and the connection keeps working', async () => {
    const { db } = handle;
    const companyId = newId();
    const now = new Date();
    await db.transaction(async (tx) => {
      await tx
        .insert(companies)
        .values({ id: companyId, name: 'In a transaction', sipPrefix: prefix(), createdAt: now, updatedAt: now });
    });
    // The same insert again: a unique violation from a prepared statement, not a broken connection.
    await expect(
      db
        .insert(companies)
        .values({ id: companyId, name: 'Twice', sipPrefix: prefix(), createdAt: now, updatedAt: now }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '23505' }) });
    const [row] = await db.select({ name: companies.name }).from(companies).where(eq(companies.id, companyId));
    expect(row).toEqual({ name: 'In a transaction' });
  });
});

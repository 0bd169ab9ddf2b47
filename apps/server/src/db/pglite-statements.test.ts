import { PGlite, types, type QueryOptions } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteStatementClient, type PgliteStatementClient } from './pglite-statements.js';

// drizzle's options for a select with fields: rows as arrays, dates left as text.
const DRIZZLE: QueryOptions = {
  rowMode: 'array',
  parsers: { [types.TIMESTAMPTZ]: (value: string) => value, [types.TIMESTAMP]: (value: string) => value },
};

const items = pgTable('items', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  amount: integer('amount'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

describe('the embedded database statement client', () => {
  let pglite: PGlite;
  let client: PgliteStatementClient;

  beforeAll(async () => {
    pglite = await PGlite.create();
    client = pgliteStatementClient(pglite);
    await pglite.exec(`
      create table items (id uuid primary key, name text not null, amount integer, created_at timestamptz not null);
      create table kinds (id int primary key, flag boolean, big bigint, doc jsonb, tags text[], raw bytea, ts timestamptz);
      insert into kinds values
        (1, true, 9007199254740993, '{"a":[1,"é"]}', '{x,"y z"}', '\\x00ff', '2026-12-04 01:02:03.456+00'),
        (2, null, 42, null, '{}', null, null);
    `);
  });
  afterAll(async () => {
    await pglite.close();
  });

  it('answers every type, null and both row modes as PGlite.query does', async () => {
    const text =
      'select id, flag, big, doc, tags, raw, ts, $1::text as echo, $2::int + 1 as next from kinds where id >= $3 order by id';
    const params = ['olá\u00e9', 41, 1];
    for (const options of [undefined, { rowMode: 'array' } as QueryOptions, DRIZZLE]) {
      const expected = await pglite.query(text, params, options);
      for (let run = 0; run < 7; run += 1) {
        // Repeated: from the sixth execution on PostgreSQL may keep a generic plan.
        const actual = await client.query(text, params, options);
        expect(actual.rows).toEqual(expected.rows);
        expect(actual.fields).toEqual(expected.fields);
        expect(actual.affectedRows).toBe(0);
      }
    }
    const [row] = (await client.query<unknown[]>(text, [null, 0, 2], { rowMode: 'array' })).rows;
    expect(row).toEqual([2, null, 42, null, [], null, null, null, 1]);
  });

  it('reports writes and their row counts, and serializes parameters by their inferred type', async () => {
    const id = '6f1d2f8e-5c43-4c0e-8f55-0d6a1c3f0a11';
    const inserted = await client.query('insert into items (id, name, amount, created_at) values ($1, $2, $3, $4)', [
      id,
      'first',
      3,
      new Date('2026-12-04T00:00:00.000Z'),
    ]);
    expect(inserted).toMatchObject({ affectedRows: 1, command: 'INSERT', rowCount: 1 });
    const updated = await client.query('update items set amount = amount + $1 where id = $2 returning amount', [2, id]);
    expect(updated).toMatchObject({ affectedRows: 1, command: 'UPDATE', rows: [{ amount: 5 }] });
    const { rows } = await client.query<{ created_at: Date }>('select created_at from items where id = $1', [id]);
    expect(rows[0]!.created_at).toEqual(new Date('2026-12-04T00:00:00.000Z'));
  });

  it('throws the database error with its code, constraint and statement, and the next statement runs', async () => {
    const id = '8d0e4c2a-1b3f-4a5e-9c7d-2e4f6a8b0c1d';
    const insert = 'insert into items (id, name, amount, created_at) values ($1, $2, $3, now())';
    await client.query(insert, [id, 'a', 1]);
    const error = await client.query(insert, [id, 'b', 2]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23505', constraint: 'items_pkey', query: insert, params: [id, 'b', 2] });
    expect(error).toBeInstanceOf(Error);
    const bad = await client.query('select nope from items where id = $1', [id]).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: '42703' });
    expect((await client.query('select name from items where id = $1', [id])).rows).toEqual([{ name: 'a' }]);
  });

  it('runs drizzle through it: selects, a transaction that commits, one that rolls back', async () => {
    const db = drizzle(client as unknown as PGlite);
    const id = '0b7a3c1e-2d4f-4e6a-8b9c-1d3e5f7a9b0c';
    await db.insert(items).values({ id, name: 'tx', amount: 1, createdAt: new Date('2026-01-01T00:00:00Z') });
    await db.transaction(async (tx) => {
      await tx
        .update(items)
        .set({ amount: 10 })
        .where(sql`${items.id} = ${id}`);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx
          .update(items)
          .set({ amount: 99 })
          .where(sql`${items.id} = ${id}`);
        await tx.execute(sql`select 1 / ${0}::int`);
      }),
    ).rejects.toThrow();
    const [row] = await db
      .select()
      .from(items)
      .where(sql`${items.id} = ${id}`);
    expect(row).toEqual({ id, name: 'tx', amount: 10, createdAt: new Date('2026-01-01T00:00:00Z') });
  });

  it('runs one transaction at a time: a statement issued outside it waits for its end', async () => {
    const order: string[] = [];
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const transaction = client.transaction(async (tx) => {
      await tx.query('select $1::int', [1]);
      inside();
      await held;
      await tx.query('select $1::int', [2]);
      order.push('transaction');
    });
    await entered;
    const outside = client.query('select $1::int', [3]).then(() => order.push('outside'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    finish();
    await Promise.all([transaction, outside]);
    expect(order).toEqual(['transaction', 'outside']);
  });

  it('runs statements in the order they were issued, across clients of one PGlite, polling I/O between them', async () => {
    const other = pgliteStatementClient(pglite);
    const order: string[] = [];
    // Each statement runs longer than a slice of turns, so I/O is polled after every one.
    const statements = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? client : other)
        .query<{ n: number }>('select $1::int as n, count(*) from generate_series(1, 50000)', [i])
        .then(({ rows }) => {
          order.push(`statement ${rows[0]!.n}`);
          // I/O that became ready meanwhile (here an immediate) runs before the last statement.
          if (i === 0) setImmediate(() => order.push('between'));
        }),
    );
    await Promise.all(statements);
    expect(order.filter((entry) => entry !== 'between')).toEqual(
      Array.from({ length: 20 }, (_, i) => `statement ${i}`),
    );
    expect(order.indexOf('between')).toBeGreaterThan(0);
    expect(order.indexOf('between')).toBeLessThan(order.length - 1);
  });

  it('keeps working when statements are evicted, when a table changes under one, and with two clients on one PGlite', async () => {
    for (let i = 0; i < 520; i += 1) {
      expect((await client.query(`select $1::int + ${i} as n`, [1])).rows).toEqual([{ n: 1 + i }]);
    }
    expect((await client.query('select $1::int + 0 as n', [5])).rows).toEqual([{ n: 5 }]);

    await pglite.exec('create table shape (a int)');
    await pglite.exec('insert into shape values (1)');
    expect((await client.query('select * from shape where a = $1', [1])).rows).toEqual([{ a: 1 }]);
    await pglite.exec('alter table shape add column b int default 7');
    expect((await client.query('select * from shape where a = $1', [1])).rows).toEqual([{ a: 1, b: 7 }]);

    const other = pgliteStatementClient(pglite);
    const text = 'select name from items where name = $1';
    expect((await other.query(text, ['a'])).rows).toEqual((await client.query(text, ['a'])).rows);
  });
});

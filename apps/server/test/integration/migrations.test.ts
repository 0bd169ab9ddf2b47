/**
 * The migrations must create Asterisk's PJSIP realtime tables exactly as Asterisk's own
 * migrations do: res_config_pgsql reads columns by name and casts by type. The expected
 * shape is parsed from the fixture, read off a database Asterisk's migrations built.
 */
import { readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

const TABLES = ['ps_aors', 'ps_auths', 'ps_contacts', 'ps_endpoints'] as const;

interface Fixture {
  enums: Map<string, string[]>;
  tables: Map<string, { declaredCount: number; columns: Map<string, string> }>;
  /** index name → normalised definition */
  indexes: Map<string, string>;
}

function parseFixture(markdown: string): Fixture {
  const enums = new Map<string, string[]>();
  const tables: Fixture['tables'] = new Map();
  const indexes = new Map<string, string>();
  let table: { declaredCount: number; columns: Map<string, string> } | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (ps_\w+) \((\d+) columns\)$/.exec(line);
    if (heading) {
      table = { declaredCount: Number(heading[2]), columns: new Map() };
      tables.set(heading[1]!, table);
      continue;
    }
    if (line.startsWith('## ')) table = undefined;
    const enumLine = /^- `(\w+)`: (.+)$/.exec(line);
    if (enumLine) {
      enums.set(
        enumLine[1]!,
        [...enumLine[2]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!),
      );
      continue;
    }
    const column = /^\| `([^`]+)` \| (.+?) \|$/.exec(line);
    if (column && table) {
      table.columns.set(column[1]!, column[2]!);
      continue;
    }
    const unique = /^- `ALTER TABLE (\w+) ADD CONSTRAINT (\w+) UNIQUE \(([^)]+)\);`$/.exec(line);
    if (unique) {
      indexes.set(unique[2]!, `unique ${unique[1]} (${unique[3]})`);
      continue;
    }
    const index = /^- `CREATE INDEX (\w+) ON (\w+) USING btree \(([^)]+)\);`$/.exec(line);
    if (index) indexes.set(index[1]!, `index ${index[2]} (${index[3]})`);
  }
  return { enums, tables, indexes };
}

/** The fixture's type text, in the vocabulary of information_schema. */
function normaliseFixtureType(type: string, enums: Map<string, string[]>): string {
  const notNull = type.endsWith(' NOT NULL');
  const base = type.replace(/ NOT NULL$/, '');
  const varchar = /^character varying\((\d+)\)$/.exec(base);
  let normalised: string;
  if (varchar) normalised = `varchar(${varchar[1]})`;
  else if (['integer', 'bigint', 'double precision', 'text'].includes(base)) normalised = base;
  else if (enums.has(base)) normalised = `enum ${base}`;
  else throw new Error(`the fixture names an unknown type: ${type}`);
  return notNull ? `${normalised} not null` : normalised;
}

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  character_maximum_length: number | string | null;
  is_nullable: 'YES' | 'NO';
}

function normaliseDatabaseType(row: ColumnRow): string {
  let normalised: string;
  if (row.data_type === 'character varying') normalised = `varchar(${row.character_maximum_length})`;
  else if (row.data_type === 'USER-DEFINED') normalised = `enum ${row.udt_name}`;
  else normalised = row.data_type;
  return row.is_nullable === 'NO' ? `${normalised} not null` : normalised;
}

const fixture = parseFixture(readFileSync(new URL('../fixtures/pjsip-realtime-tables.md', import.meta.url), 'utf8'));

describe('the PJSIP realtime tables the migrations create', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(async () => {
    await api.close();
  });

  async function query<T>(statement: SQL): Promise<T[]> {
    // Both drivers answer { rows }; the database handle's type abstracts over them.
    const result: unknown = await api.server.database.db.execute<Record<string, unknown>>(statement);
    return (result as { rows: T[] }).rows;
  }

  it('reads a complete fixture', () => {
    expect([...fixture.tables.keys()].sort()).toEqual([...TABLES]);
    for (const [name, table] of fixture.tables) {
      expect(table.columns.size, name).toBe(table.declaredCount);
    }
    expect(fixture.enums.size).toBe(16);
    expect(fixture.indexes.size).toBe(11);
  });

  it.each(TABLES)('creates %s with exactly the columns and types of Asterisk', async (table) => {
    const rows = await query<ColumnRow>(sql`
      select table_name, column_name, data_type, udt_name, character_maximum_length, is_nullable
      from information_schema.columns
      where table_schema = current_schema() and table_name = ${table}`);
    const actual = Object.fromEntries(rows.map((row) => [row.column_name, normaliseDatabaseType(row)]));
    const expected = Object.fromEntries(
      [...fixture.tables.get(table)!.columns].map(([name, type]) => [name, normaliseFixtureType(type, fixture.enums)]),
    );
    expect(actual).toEqual(expected);
  });

  it('creates every enumerated type with Asterisk’s values in order', async () => {
    const rows = await query<{ typname: string; labels: string[] | string }>(sql`
      select t.typname, array_agg(e.enumlabel order by e.enumsortorder)::text[] as labels
      from pg_type t
      join pg_enum e on e.enumtypid = t.oid
      join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = current_schema()
      group by t.typname`);
    // node-postgres parses text[]; PGlite does too, but a raw '{a,b}' is tolerated.
    const labelsOf = (labels: string[] | string) =>
      Array.isArray(labels)
        ? labels
        : labels
            .replace(/^\{|\}$/g, '')
            .split(',')
            .map((l) => l.replace(/^"|"$/g, ''));
    const actual = new Map(rows.map((row) => [row.typname, labelsOf(row.labels)]));
    for (const [name, values] of fixture.enums) {
      expect(actual.get(name), name).toEqual(values);
    }
  });

  it('creates Asterisk’s unique constraints and indexes', async () => {
    const rows = await query<{ indexname: string; indexdef: string }>(sql`
      select indexname, indexdef from pg_indexes
      where schemaname = current_schema() and tablename in ('ps_aors', 'ps_auths', 'ps_contacts', 'ps_endpoints')`);
    const actual = new Map(
      rows.map((row) => {
        const match = /^CREATE (UNIQUE )?INDEX \w+ ON (?:\w+\.)?(\w+) USING btree \(([^)]+)\)$/.exec(row.indexdef);
        return [row.indexname, match ? `${match[1] ? 'unique' : 'index'} ${match[2]} (${match[3]})` : row.indexdef];
      }),
    );
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(fixture.indexes));
  });
});

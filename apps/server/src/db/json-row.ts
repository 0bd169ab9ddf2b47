import { getTableColumns, type InferSelectModel, type Table } from 'drizzle-orm';

/**
 * A table's row as PostgreSQL's `to_jsonb(row)` gives it (column names, timestamps as ISO
 * text, arrays and jsonb as JSON) in drizzle's select shape (property names, Dates): for a
 * statement that returns several tables' rows at once as JSON. Each column's own driver
 * mapping does the conversion, so the result equals what `db.select().from(table)` reads
 * (json-row.test.ts holds that for routing's tables).
 */
export function rowFromJson<T extends Table>(table: T, json: Record<string, unknown>): InferSelectModel<T> {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as InferSelectModel<T>;
}

/** A jsonb value as the driver gave it: parsed already (node-postgres, PGlite) or, defensively, as text. */
export function parsedJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

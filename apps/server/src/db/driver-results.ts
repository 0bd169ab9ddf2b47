/**
 * What the two drivers behind drizzle (PGlite and node-postgres) answer and throw, read the
 * same way. Both answer a raw `execute` with `{ rows }`; the Db type spans both, so the
 * result is untyped here. Both throw PostgreSQL's error with its SQLSTATE `code` (and the
 * `constraint` it broke), which drizzle wraps as the `cause` of its own error.
 */

const PG_UNIQUE_VIOLATION = '23505';

/**
 * Whether `error`, or an error in its `cause` chain, is PostgreSQL's unique_violation; with
 * `constraint`, only if the violated constraint is that one.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const candidate = e as { code?: unknown; constraint?: unknown };
    if (candidate.code === PG_UNIQUE_VIOLATION) {
      return constraint === undefined || candidate.constraint === constraint;
    }
  }
  return false;
}

/** The rows of a raw `execute` result: the result itself when it is an array, else its `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

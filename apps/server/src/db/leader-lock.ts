/**
 * Leader election for periodic jobs (the presence sweeper, later others) when several
 * server nodes share one database: each run takes a transaction-level PostgreSQL advisory
 * lock named after the job, without waiting. The node that gets it does the work inside
 * that transaction; the others skip this run. The lock ends with the transaction, so a
 * node that dies mid-run never leaves it held, and it needs no connection of its own (a
 * pooled connection or PGlite's single one both work: on PGlite there is one process and
 * the lock is always granted, through the same code).
 *
 * Publish what the work changed after this resolves, never inside `work` (docs/adr/0003).
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

export type LeaderRun<T> = { isLeader: true; result: T } | { isLeader: false };

/** A stable signed 64-bit lock key for a job name (the first 8 bytes of its SHA-256). */
export function advisoryLockKey(jobName: string): bigint {
  return createHash('sha256').update(`switchboard:${jobName}`).digest().readBigInt64BE(0);
}

/**
 * Takes the job's lock for the rest of the current transaction if no one holds it.
 * `tx` must be a transaction: outside one the lock would end with the statement.
 */
export async function tryTransactionLock(tx: Db, jobName: string): Promise<boolean> {
  const key = advisoryLockKey(jobName).toString();
  const result = await tx.execute(sql`select pg_try_advisory_xact_lock(${key}::bigint) as acquired`);
  // node-postgres and PGlite both answer `{ rows }`; the Db type spans both, so it is untyped.
  const { rows } = result as { rows: { acquired: unknown }[] };
  return rows[0]?.acquired === true;
}

/** Runs `work` in a transaction holding the job's lock, or skips when another node holds it. */
export function runAsLeader<T>(db: Db, jobName: string, work: (tx: Db) => Promise<T>): Promise<LeaderRun<T>> {
  return db.transaction(async (tx): Promise<LeaderRun<T>> => {
    const scoped = tx as unknown as Db;
    if (!(await tryTransactionLock(scoped, jobName))) return { isLeader: false };
    return { isLeader: true, result: await work(scoped) };
  });
}

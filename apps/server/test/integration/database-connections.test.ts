/**
 * PostgreSQL may end a connection the pool holds idle: a restart or failover, an
 * administrator's `pg_terminate_backend`, a proxy's idle timeout. node-postgres reports it
 * as an 'error' on the pool, which ends the process when nobody listens. The server logs
 * it and keeps serving on new connections. PostgreSQL only (PGlite has no connections).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { createCapturingLogger, type LogLine } from '../support/audiosocket-peer.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { recordSkip } from '../support/programs.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  recordSkip({
    suite: 'database-connections',
    reason: 'needs PostgreSQL (DATABASE_URL): PGlite has no connections to end',
  });
}

describe.skipIf(!databaseUrl)('a PostgreSQL connection ended under the server', () => {
  let database: TestDatabase;
  let dataDir: string;
  let config: Config;
  let server: Server;
  let lines: LogLine[];
  let request: ReturnType<typeof nodeRequester>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-connections-'));
    config = clusterConfig(dataDir, database);
    const captured = createCapturingLogger('info');
    lines = captured.lines;
    server = await createServer(config, captured.logger, { hasher: fastHasher });
    await bootstrapFirstAdmin(server, config);
    request = nodeRequester(await server.app.listen({ port: 0, host: '127.0.0.1' }));
  });

  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs the ended connections and keeps serving on new ones', async () => {
    const login = await request<{ access_token: string }>('POST', '/api/users/login', undefined, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    expect(login.status).toBe(200);
    const token = login.body.access_token;
    // Several requests at once, so the pool holds several connections idle afterwards.
    const warm = await Promise.all(Array.from({ length: 5 }, () => request('GET', '/api/users?limit=5', token)));
    expect(warm.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    const name = new URL(database.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const deadline = Date.now() + 10_000;
    let ended: number;
    try {
      const result = await admin.query<{ pid: number }>(
        `select pg_terminate_backend(pid) as ended, pid from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and state = 'idle'`,
        [name],
      );
      ended = result.rowCount ?? 0;
      // pg_terminate_backend only signals: a backend tells its client when it exits.
      const pids = result.rows.map((row) => row.pid);
      const left = async () =>
        (
          await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where pid = any($1)', [
            pids,
          ])
        ).rows[0]!.n;
      while ((await left()) > 0 && Date.now() < deadline) await sleep(50);
    } finally {
      await admin.end();
    }
    expect(ended).toBeGreaterThan(0);

    const closedLines = () =>
      lines.filter((l) => l.msg === 'database connection closed by the server; the pool opens another');
    // Every ended connection the pool held is reported (and dropped from the pool) before
    // the requests below: wait until the count settles.
    for (let seen = -1; (closedLines().length === 0 || closedLines().length !== seen) && Date.now() < deadline;) {
      seen = closedLines().length;
      await sleep(200);
    }
    expect(closedLines()[0]).toMatchObject({ level: 40, code: '57P01' });

    // Still serving, on connections opened since.
    expect((await request('GET', '/health')).status).toBe(200);
    const after = await Promise.all(Array.from({ length: 5 }, () => request('GET', '/api/users?limit=5', token)));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});

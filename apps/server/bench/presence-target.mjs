// The server of bench:presence: the real Switchboard (compiled dist/, every feature module,
// PGlite in a temp directory or DATABASE_URL) with BENCH_AGENTS agents seeded straight into
// the database (the users, and one session — a refresh-token family — each, in two
// statements) and their access tokens signed here with the server's secret, as the login
// route would (signing 10,000 agents in over HTTP took 13 minutes on a busy machine and is
// not what is measured). The server verifies those tokens like any other: signature,
// expiry, and the session and user rows. Reports its CPU time over each window the runner
// opens.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const { loadConfig } = await import('../dist/src/config.js');
const { bootstrapFirstAdmin, createServer } = await import('../dist/src/main.js');
const { createLogger } = await import('../dist/src/shared/logger.js');
const { sql } = await import('drizzle-orm');
const { createJwtAccessTokens } = await import('../dist/src/modules/auth/jwt.tokens.js');
const { pingSettings, windowMeter } = await import('./presence-window.mjs');

const dir = mkdtempSync(join(tmpdir(), 'switchboard-presence-bench-'));
const config = loadConfig({
  DATA_DIR: dir,
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  AUDIOSOCKET_ENABLED: 'false',
  LOGIN_MAX_ATTEMPTS_PER_IP: '1000000',
  LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '1000000',
  SWITCHBOARD_ADMIN_EMAIL: 'admin@bench.test',
  SWITCHBOARD_ADMIN_PASSWORD: 'bench-admin-password',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  // The wire under test (ADR 27); the reference reads the same two settings.
  ...pingSettings(),
});
const hasher = { hash: async () => 'bench', verify: async () => true };
const server = await createServer(config, createLogger({ level: config.logLevel, pretty: false }), { hasher });
await bootstrapFirstAdmin(server, config);
const inject = async (method, url, payload) => {
  const response = await server.app.inject({ method, url, ...(payload ? { payload } : {}) });
  if (response.statusCode >= 400) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
};
const admin = await inject('POST', '/api/users/login', { email: 'admin@bench.test', password: 'x' });
const companyId = admin.user.company_id;
const runId = Math.random().toString(36).slice(2, 8);
const seedStarted = performance.now();
// Agents and their sessions in bulk: what is measured is their heartbeats, not how they
// were created.
const { rows: agentRows } = await server.database.db
  .execute(sql`insert into users (id, company_id, email, name, role, password_hash)
  select gen_random_uuid(), ${companyId}, 'agent' || n || '.' || ${runId} || '@bench.test', 'Agente ' || n, 'agent', 'bench'
  from generate_series(1, ${AGENTS}) as n
  returning id`);
const { rows: sessionRows } = await server.database.db.execute(sql`insert into refresh_tokens
    (id, company_id, user_id, family_id, token_hash, expires_at)
  select gen_random_uuid(), ${companyId}, u.id, gen_random_uuid(), 'bench', now() + interval '1 day'
  from users u where u.company_id = ${companyId} and u.email like ${`%.${runId}@bench.test`}
  returning user_id, family_id`);
if (agentRows.length !== AGENTS || sessionRows.length !== AGENTS) {
  throw new Error(`seeded ${agentRows.length} agents and ${sessionRows.length} sessions, wanted ${AGENTS}`);
}
// Signed after the rows exist (a token must be issued after the user's tokens_valid_after);
// valid for the whole run (the login route's are 15 minutes, refreshed by the console).
const accessTokens = createJwtAccessTokens({ secret: config.jwtSecret, ttlSeconds: 3 * 3600 });
const tokens = [];
for (const row of sessionRows) {
  tokens.push(await accessTokens.sign({ userId: row.user_id, companyId, role: 'agent', sessionId: row.family_id }));
}
process.stderr.write(
  `bench:presence: ${AGENTS} agents, their sessions and tokens in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n`,
);
const port = (await server.app.listen({ port: 0, host: '127.0.0.1' })) && server.app.server.address().port;
process.send({ type: 'ready', port, tokens, pingIntervalMs: config.socketPing.intervalMs });

const meter = windowMeter();
// BENCH_PROFILE=<dir>: a V8 CPU profile of each window the runner names (`profile`),
// written to <dir>/<name>.cpuprofile (open it in Chrome's DevTools or speedscope).
let profiling;
process.on('message', async (message) => {
  if (message?.type === 'window') {
    if (message.isOpen) {
      if (process.env.BENCH_PROFILE && message.profile) {
        const session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 1000 });
        await session.post('Profiler.start');
        profiling = { session, name: message.profile };
      }
      meter.open();
    } else {
      const report = meter.close();
      if (profiling) {
        const { session, name } = profiling;
        profiling = undefined;
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(join(process.env.BENCH_PROFILE, `${name}.cpuprofile`), JSON.stringify(profile));
        session.disconnect();
      }
      process.send(report);
    }
  } else if (message?.type === 'stop') {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
});

// The server of bench:presence: the real Switchboard (compiled dist/, every feature module,
// PGlite in a temp directory or DATABASE_URL) with BENCH_AGENTS agents (inserted in bulk,
// then signed in one by one over the real login route, in-process). Reports its CPU time
// over each window the runner opens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const { loadConfig } = await import('../dist/src/config.js');
const { bootstrapFirstAdmin, createServer } = await import('../dist/src/main.js');
const { createLogger } = await import('../dist/src/shared/logger.js');
const { sql } = await import('drizzle-orm');

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
// Agents in bulk: what is measured is their heartbeats, not how they were created.
await server.database.db.execute(sql`insert into users (id, company_id, email, name, role, password_hash)
  select gen_random_uuid(), ${companyId}, 'agent' || n || '.' || ${runId} || '@bench.test', 'Agente ' || n, 'agent', 'bench'
  from generate_series(1, ${AGENTS}) as n`);
const tokens = [];
for (let n = 1; n <= AGENTS; n += 1) {
  tokens.push(
    (await inject('POST', '/api/users/login', { email: `agent${n}.${runId}@bench.test`, password: 'x' })).access_token,
  );
}
const port = (await server.app.listen({ port: 0, host: '127.0.0.1' })) && server.app.server.address().port;
process.send({ type: 'ready', port, tokens });

let cpuAtOpen = process.cpuUsage();
let openedAt = performance.now();
process.on('message', async (message) => {
  if (message?.type === 'window') {
    if (message.isOpen) {
      cpuAtOpen = process.cpuUsage();
      openedAt = performance.now();
    } else {
      const used = process.cpuUsage(cpuAtOpen);
      process.send({ type: 'cpu', ms: (used.user + used.system) / 1000, wallMs: performance.now() - openedAt });
    }
  } else if (message?.type === 'stop') {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
});

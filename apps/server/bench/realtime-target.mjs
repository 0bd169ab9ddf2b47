// The process under load for bench:realtime, one of:
// - `server`: the real Switchboard (compiled dist/, every feature module, PGlite in a temp
//   directory or DATABASE_URL), with BENCH_USERS agents signed in; their tokens go to the
//   clients. On `publish` it publishes company events on the event bus, as the modules do
//   (appended to the event log, then fanned out to the company room).
// - `ws`: a plain `ws` server that broadcasts the same envelope to every client.
// Each event's data carries `i` and `sent_at` (wall clock, ms, taken before publishing).
// Reports its CPU time over each publishing window.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

const mode = process.argv[2];
const USERS = Number(process.env.BENCH_USERS ?? 50);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function publishing({ events, intervalMs }, publish) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < events; i += 1) {
    await publish(i);
    const next = started + (i + 1) * intervalMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
}

async function serveSwitchboard() {
  const { loadConfig } = await import('../dist/src/config.js');
  const { bootstrapFirstAdmin, createServer } = await import('../dist/src/main.js');
  const { createLogger } = await import('../dist/src/shared/logger.js');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-realtime-bench-'));
  const config = loadConfig({
    DATA_DIR: dir,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    AUDIOSOCKET_ENABLED: 'false',
    LOGIN_MAX_ATTEMPTS_PER_IP: '1000000',
    SWITCHBOARD_ADMIN_EMAIL: 'admin@bench.test',
    SWITCHBOARD_ADMIN_PASSWORD: 'bench-admin-password',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  const hasher = { hash: async () => 'bench', verify: async () => true };
  const server = await createServer(config, createLogger({ level: config.logLevel, pretty: false }), { hasher });
  await bootstrapFirstAdmin(server, config);
  const inject = async (method, url, token, payload) => {
    const response = await server.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload ? { payload } : {}),
    });
    if (response.statusCode >= 400) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  const admin = await inject('POST', '/api/users/login', undefined, { email: 'admin@bench.test', password: 'x' });
  const companyId = admin.user.company_id;
  const runId = randomUUID().slice(0, 8);
  const tokens = [];
  for (let i = 0; i < USERS; i += 1) {
    const email = `agent${i}.${runId}@bench.test`;
    await inject('POST', '/api/users', admin.access_token, {
      email,
      name: `Agente ${i}`,
      role: 'agent',
      password: 'bench-agent-password-0',
    });
    tokens.push((await inject('POST', '/api/users/login', undefined, { email, password: 'x' })).access_token);
  }
  const port = (await server.app.listen({ port: 0, host: '127.0.0.1' })) && server.app.server.address().port;
  process.send({ type: 'ready', port, tokens });
  process.on('message', async (message) => {
    if (message?.type === 'publish') {
      const result = await publishing(message, (i) =>
        server.bus.publish({
          name: 'bench.tick',
          companyId,
          audience: { company: true },
          data: { i, sent_at: now(), text: 'Cliente aguardando na fila de vendas' },
        }),
      );
      process.send({ type: 'published', ...result });
    } else if (message?.type === 'stop') {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
}

async function serveWs() {
  const http = createHttpServer();
  const wss = new WebSocketServer({ server: http, maxPayload: 64 * 1024 });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  let seq = 0;
  process.send({ type: 'ready', port: http.address().port, tokens: [] });
  process.on('message', async (message) => {
    if (message?.type === 'publish') {
      const result = await publishing(message, async (i) => {
        seq += 1;
        const at = now();
        const envelope = JSON.stringify({
          event: 'bench_tick',
          data: { i, sent_at: at, text: 'Cliente aguardando na fila de vendas' },
          version: 'v1',
          seq,
          ts: new Date(at).toISOString(),
        });
        for (const client of wss.clients) client.send(envelope);
      });
      process.send({ type: 'published', ...result });
    } else if (message?.type === 'stop') {
      for (const client of wss.clients) client.terminate();
      http.close();
      process.exit(0);
    }
  });
}

if (mode === 'server') await serveSwitchboard();
else if (mode === 'ws') await serveWs();
else throw new Error(`unknown mode ${mode}`);

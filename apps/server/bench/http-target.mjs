// The process under load for bench:http, one of:
// - `server`: the real Switchboard (compiled dist/, every feature module, the production
//   logger at LOG_LEVEL=info writing to stdout), on PGlite in a temp directory or on
//   DATABASE_URL. It seeds a company (30 users, 200 conversations with their contacts),
//   signs the admin in, and records the SQL each measured route issues on a warm request
//   (the statements and their parameters, as the driver receives them). On PGlite it also
//   serves the bare reference on a second port, in this process, since one PGlite
//   directory opens in one process only: a bare Fastify handler replaying the recorded
//   statements on the same PGlite instance.
// - `bare`: a bare Fastify (no logger, no hooks, no schemas) with GET /health and, given
//   DATABASE_URL, the list routes as node-postgres handlers (a pool of 10, the server's
//   default) replaying the recorded statements.
// Talks to bench/http.bench.mjs over IPC: `ready` with ports, token and the recorded SQL.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';

const mode = process.argv[2];
const runId = randomUUID().slice(0, 8);
// A scratch PostgreSQL keeps the company of earlier runs: new phone numbers each run.
const phoneRun = String(Math.floor(Math.random() * 10_000)).padStart(4, '0');
const databaseUrl = process.env.DATABASE_URL || undefined;
export const ROUTES = {
  health: '/health',
  users: '/api/users?limit=20',
  conversations: '/api/conversations?limit=30',
};

// Replays recorded statements in order, as the real handler issued them, and answers
// the largest result as the page (the list itself, not a session check or a count after it).
function bareListHandler(statements, run) {
  return async () => {
    let page = [];
    for (const { text, values } of statements) {
      const rows = await run(text, values);
      if (rows.length > page.length) page = rows;
    }
    return { items: page, next_cursor: null };
  };
}

/**
 * The bare reference. Its `close` stops the HTTP server and then waits for the list
 * handlers still running: a request autocannon stopped waiting for goes on after its
 * connection closed (Fastify's close does not wait for it), and its next statement on a
 * pool ended meanwhile failed with "Cannot use a pool after calling end on the pool".
 */
async function startBare(recorded, run) {
  const app = Fastify({ logger: false });
  let inFlight = 0;
  let onIdle;
  const counted =
    (handler) =>
    async (...args) => {
      inFlight += 1;
      try {
        return await handler(...args);
      } finally {
        inFlight -= 1;
        if (inFlight === 0) onIdle?.();
      }
    };
  app.get('/health', async () => ({ status: 'ok' }));
  app.setErrorHandler((error, request, reply) => {
    process.stderr.write(`bare reference: ${request.url}: ${error.message}\n`);
    void reply.code(500).send({ message: error.message });
  });
  if (recorded && run) {
    app.get('/api/users', counted(bareListHandler(recorded.users, run)));
    app.get('/api/conversations', counted(bareListHandler(recorded.conversations, run)));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const close = async () => {
    await app.close();
    if (inFlight > 0) await new Promise((resolve) => (onIdle = resolve));
  };
  return { port: app.server.address().port, close };
}

async function serveReal() {
  const { loadConfig } = await import('../dist/src/config.js');
  const { bootstrapFirstAdmin, createServer } = await import('../dist/src/main.js');
  const { createLogger } = await import('../dist/src/shared/logger.js');
  const { PGlite } = await import('@electric-sql/pglite');
  const { sql } = await import('drizzle-orm');

  const dir = mkdtempSync(join(tmpdir(), 'switchboard-http-bench-'));
  const config = loadConfig({
    // As deployed: responses written by the compiled serializers, not checked by zod (ADR 28).
    NODE_ENV: 'production',
    DATA_DIR: dir,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    AUDIOSOCKET_ENABLED: 'false',
    SWITCHBOARD_ADMIN_EMAIL: 'admin@bench.test',
    SWITCHBOARD_ADMIN_PASSWORD: 'bench-admin-password',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });

  // The SQL the routes issue, as the driver receives it.
  let recording;
  // Transaction control is left out: a background job's begin/commit that fell within both
  // recorded requests is not the route's (and replayed alone it would leave a pooled
  // connection inside a transaction).
  const record = (text, values) => {
    if (recording && !/^\s*(begin|commit|rollback|savepoint|release)\b/i.test(text)) {
      recording.push({ text, values: values ?? [] });
    }
  };
  let pglite;
  if (databaseUrl) {
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function recordedQuery(config, values, ...rest) {
      if (typeof config === 'string') record(config, Array.isArray(values) ? values : []);
      else if (config && typeof config.text === 'string') record(config.text, config.values ?? values);
      return query.call(this, config, values, ...rest);
    };
  } else {
    pglite = await PGlite.create(join(dir, 'pglite'));
    // Statements with parameters run as named prepared statements beside `query` (ADR 29):
    // they are seen through the statement client's observer; the others through `query`.
    const { observePgliteStatements } = await import('../dist/src/db/pglite-statements.js');
    observePgliteStatements((text, values) => record(text, [...values]));
    const query = pglite.query.bind(pglite);
    pglite.query = (text, values, options) => {
      record(text, values);
      return query(text, values, options);
    };
  }

  const logger = createLogger({ level: config.logLevel, pretty: false });
  // Passwords are not what is measured: a hasher that accepts them keeps setup short.
  const hasher = { hash: async () => 'bench', verify: async () => true };
  const server = await createServer(config, logger, { hasher, ...(pglite ? { pglite } : {}) });
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
  const login = await inject('POST', '/api/users/login', undefined, { email: 'admin@bench.test', password: 'x' });
  const token = login.access_token;
  const companyId = login.user.company_id;
  for (let i = 0; i < 30; i += 1) {
    await inject('POST', '/api/users', token, {
      email: `agent${i}.${runId}@bench.test`,
      name: `Agente ${i}`,
      role: 'agent',
      password: 'bench-agent-password-0',
    });
  }
  const { db } = server.database;
  for (let i = 0; i < 200; i += 1) {
    const contactId = randomUUID();
    await db.execute(sql`insert into contacts (id, company_id, name, phone, created_at, updated_at)
      values (${contactId}, ${companyId}, ${`Cliente ${i}`}, ${`+55119${phoneRun}${String(i).padStart(4, '0')}`}, now(), now())`);
    await db.execute(sql`insert into conversations
      (id, company_id, contact_id, channel, status, last_activity_at, created_at, updated_at)
      values (${randomUUID()}, ${companyId}, ${contactId}, 'whatsapp', 'open',
        now() - make_interval(secs => ${i}), now(), now())`);
  }
  await db.execute(sql`analyze`);

  const port = (await server.app.listen({ port: 0, host: '127.0.0.1' })) && server.app.server.address().port;
  const recorded = {};
  for (const [name, url] of Object.entries(ROUTES)) {
    if (name === 'health') continue;
    const get = () =>
      fetch(`http://127.0.0.1:${port}${url}`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => {
        if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
        return r.json();
      });
    await get(); // cold: caches and prepared plans warm up
    // Twice, keeping the statements both requests issued: a background job's (the snooze
    // sweep, a presence sweep) that ran meanwhile is not the route's.
    const twice = [];
    for (let k = 0; k < 2; k += 1) {
      recording = [];
      await get();
      twice.push(recording);
      recording = undefined;
    }
    recorded[name] = twice[0].filter(({ text }) => twice[1].some((other) => other.text === text));
  }

  // BENCH_EXPLAIN=1: each recorded statement's plan, with its timing, on stderr.
  if (process.env.BENCH_EXPLAIN) {
    for (const [name, statements] of Object.entries(recorded)) {
      for (const { text, values } of statements) {
        const plan = pglite
          ? await PGlite.prototype.query.call(pglite, `explain analyze ${text}`, values)
          : await new pg.Pool({ connectionString: databaseUrl, max: 1 }).query(`explain analyze ${text}`, values);
        process.stderr.write(`${name}: ${text}\n${plan.rows.map((r) => Object.values(r)[0]).join('\n')}\n\n`);
      }
    }
  }

  let barePort;
  let bare;
  if (pglite) {
    // The same PGlite instance, the driver's own query (not the recording wrapper).
    const run = async (text, values) => (await PGlite.prototype.query.call(pglite, text, values)).rows;
    bare = await startBare(recorded, run);
    barePort = bare.port;
  }
  process.send({ type: 'ready', port, barePort, token, recorded, database: server.database.kind });
  // With BENCH_PROF, the measured windows (monotonic microseconds, the clock of a CPU
  // profile's samples) go next to the profile, for reading the profile over them alone.
  const windows = [];
  let cpuAtOpen = process.cpuUsage();
  process.on('message', async (message) => {
    if (message?.type === 'window') {
      const now = Number(process.hrtime.bigint() / 1000n);
      if (message.isOpen) {
        windows.push({ label: message.label, from: now, to: now });
        cpuAtOpen = process.cpuUsage();
      } else if (windows.length) {
        windows[windows.length - 1].to = now;
        const used = process.cpuUsage(cpuAtOpen);
        process.send({ type: 'cpu', ms: (used.user + used.system) / 1000 });
      }
      return;
    }
    if (message?.type !== 'stop') return;
    if (process.env.BENCH_PROF) {
      mkdirSync('/tmp/httpprof', { recursive: true });
      writeFileSync(`/tmp/httpprof/windows-${process.pid}.json`, JSON.stringify(windows));
    }
    // The reference's handlers finish before the PGlite instance they query is closed.
    await bare?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

async function serveBare() {
  const recorded = await new Promise((resolve) =>
    process.on('message', (message) => message?.type === 'sql' && resolve(message.recorded)),
  );
  const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 10 }) : undefined;
  // Prepared as the server's are (ADR 33): each text under a name of its own, parsed once per
  // connection; a statement without parameters unnamed.
  const names = new Map();
  const nameOf = (text) => names.get(text) ?? names.set(text, `bare_${names.size}`).get(text);
  const run = pool
    ? async (text, values) =>
        (await pool.query(values.length > 0 ? { name: nameOf(text), text, values } : { text, values })).rows
    : undefined;
  const bare = await startBare(recorded, run);
  process.send({ type: 'ready', port: bare.port });
  let cpuAtOpen = process.cpuUsage();
  process.on('message', async (message) => {
    if (message?.type === 'window') {
      if (message.isOpen) cpuAtOpen = process.cpuUsage();
      else {
        const used = process.cpuUsage(cpuAtOpen);
        process.send({ type: 'cpu', ms: (used.user + used.system) / 1000 });
      }
      return;
    }
    if (message?.type !== 'stop') return;
    // The HTTP server and the handlers still running, then the pool they use.
    await bare.close();
    await pool?.end();
    process.exit(0);
  });
}

if (mode === 'server') await serveReal();
else if (mode === 'bare') await serveBare();
else throw new Error(`unknown mode ${mode}`);

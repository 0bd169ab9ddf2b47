// Benchmark: the routing engine under a steady arrival of chats and calls.
//
// Starts a real Switchboard (createServer, every feature module, on PGlite under a temp
// directory). With DATABASE_URL it makes a fresh database on that server (dropped at the
// end) and runs TWO nodes sharing it and one Redis (REDIS_URL, or a redis-server it
// starts): node A in this process, node B a `src/cli.ts serve` process of its own. Every
// other agent sits on B (socket, accepts, closes), so both nodes decide.
//
// The PBX is the ARI emulator of the integration tests, in a process of its own
// (bench/routing-pbx.mjs); every node is configured with it, and the node holding the ARI
// lease (ADR 23) gets the calls. A call is a caller dialling a DID mapped to a voice queue
// (StasisStart through the emulator): the node answers it, plays music on hold, rings the
// chosen agent's device (an originate), the device answers after BENCH_ANSWER_MS, the node
// bridges caller and agent, and the PBX hangs the caller up after the handle time.
// Chats arrive over HTTP, alternately on each node as a load balancer would spread them:
// a conversation nobody owns (created up front) sent to its queue with
// `POST /api/conversations/:id/queue` (BENCH_CHAT_ARRIVAL=engine: `engine.enqueue` on
// node A, as the earlier passes did).
//
// BENCH_AGENTS agents (1,000), their sessions and access tokens, SIP devices, routing rows
// (chat capacities), skills and queue memberships are seeded straight into the database
// (as bench:presence does; signing 1,000 agents in over HTTP took 5–15 minutes here and is
// not what is measured); the BENCH_QUEUES queues (20) and their DIDs are made over HTTP.
// The agents' Socket.IO clients run in a process of their own (bench/routing-clients.mjs,
// pinned to CPU 1 with taskset when there are two CPUs; BENCH_PIN=0 leaves it free): they
// go online (BENCH_CONNECT_BATCH at a time), accept chat offers over HTTP on their node
// and close chats over HTTP after a random handle time. Half the queues assign at once,
// half offer. Queue 0 holds BENCH_FAIR_AGENTS identical agents (30; capacity 1,
// longest_idle) and gets a quarter of the chats: the fairness figure. With 20 of them (the
// default until 5 Dec 2026) that queue was busy 62 % of the time, so about 3.5 % of its
// chats found every agent busy and waited for one (Erlang C, about 330 ms): queueing, not
// routing, and in some rounds enough of them to be the p99. Its chats and the other
// queues' are printed apart, with how many took over 100 ms.
//
// BENCH_ROUNDS rounds (3, at most 10), each: items arriving at BENCH_CHATS_PER_S chats
// and BENCH_CALLS_PER_S calls a second for BENCH_SECONDS (60), then a drain (at most
// 60 s). Per round it prints arrival -> first offer or assignment at the agent's socket
// p50/p99 (a call's arrival is its StasisStart at the emulator), decisions per second,
// items lost, fairness (coefficient of variation of items per identical agent) and, in the
// same run, a reference round trip (one INSERT ... RETURNING in a transaction plus one
// Socket.IO emit to one client of the same client process); then medians over the rounds
// and double offers / accepts / assignments over the run, with the emulator's bridges (an
// agent's device in two calls at once, a caller bridged twice). The machine (`uptime`,
// CPUs) is printed before and after. The whole run is capped at BENCH_MAX_SECONDS (660):
// past it the run stops where it is, prints what it has and cleans up.
// Run with `npm run bench:routing`.
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import pg from 'pg';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { installContactCenter } from '../src/feature-modules.js';
import { bootstrapFirstAdmin, createServer } from '../src/main.js';
import { installVoicebot } from '../src/modules/voicebot/index.js';
import { createJwtAccessTokens } from '../src/modules/auth/jwt.tokens.js';
import { createLogger } from '../src/shared/logger.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const FAIR_AGENTS = Number(process.env.BENCH_FAIR_AGENTS ?? 30);
const QUEUES = Number(process.env.BENCH_QUEUES ?? 20);
const CHATS_PER_S = Number(process.env.BENCH_CHATS_PER_S ?? 20);
const CALLS_PER_S = Number(process.env.BENCH_CALLS_PER_S ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const HANDLE_MS = [Number(process.env.BENCH_HANDLE_MIN_MS ?? 1000), Number(process.env.BENCH_HANDLE_MAX_MS ?? 4000)];
const DRAIN_MS = 60_000;
const ANSWER_MS = Number(process.env.BENCH_ANSWER_MS ?? 300);
// Node B's V8 CPU profile, written there when it stops (its whole life: set-up, rounds, drain).
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const CHAT_ARRIVAL = process.env.BENCH_CHAT_ARRIVAL === 'engine' ? 'engine' : 'http';
const CONNECT_BATCH = Number(process.env.BENCH_CONNECT_BATCH ?? 50);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 660);
const SKILLS = ['vendas', 'suporte', 'financeiro', 'espanhol'];
const ARI = { username: 'switchboard', password: 'bench-ari-secret' };

const ROUNDS = Math.min(10, Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)));
const runStarted = performance.now();
const uptime = () => {
  const result = spawnSync('uptime', [], { encoding: 'utf8' });
  return result.status === 0
    ? result.stdout.trim()
    : `load ${loadavg()
        .map((n) => n.toFixed(2))
        .join(', ')}`;
};
console.log(`uptime before: ${uptime()}`);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node ${process.version}`,
);
// The hard cap: past it the run stops where it is (the shutdown below still runs, bounded).
let isOverCap = false;
let shuttingDown;
const shutdown = (why) => (shuttingDown ??= stopEverything(why));
const hardCap = setTimeout(() => {
  isOverCap = true;
  console.error(`hard cap: ${MAX_SECONDS} s reached; stopping`);
  // The loops notice the flag; if the run is stuck in a step instead, shut down from here.
  setTimeout(() => void shutdown('hard cap'), 30_000).unref();
}, MAX_SECONDS * 1000);
hardCap.unref();
const dir = mkdtempSync(join(tmpdir(), 'switchboard-routing-bench-'));
// The cap from outside (bench/routing-watchdog.mjs): a minute after ours, it kills what is left.
const watchdog = fork(
  new URL('./routing-watchdog.mjs', import.meta.url),
  [String(process.pid), String(Number(process.env.BENCH_MAX_SECONDS ?? 660) + 60)],
  {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  },
);
const watch = (message) => {
  if (watchdog.connected) watchdog.send(message);
};
watch({ type: 'dir', dir });
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const freePort = async () => {
  const probe = createNetServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
};

// ── two nodes on PostgreSQL: a fresh database, Redis, node B in its own process ──
const isCluster = Boolean(process.env.DATABASE_URL);
let databaseUrl;
let dropDatabase = async () => undefined;
let redisUrl = process.env.REDIS_URL;
let redisChild;
if (isCluster) {
  const name = `routing_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  watch({ type: 'database', database: { adminUrl: process.env.DATABASE_URL, name } });
  // BENCH_KEEP_DB=1 keeps the database for a look afterwards (EXPLAIN ANALYZE in psql).
  dropDatabase = async () => {
    if (process.env.BENCH_KEEP_DB === '1') return console.log(`database kept: ${name}`);
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
  if (!redisUrl) {
    if (spawnSync('redis-server', ['--version']).status !== 0)
      throw new Error('two nodes need Redis: set REDIS_URL or install redis-server');
    const port = await freePort();
    redisChild = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    redisUrl = `redis://127.0.0.1:${port}`;
    watch({ type: 'pid', pid: redisChild.pid });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
// ── the PBX: the ARI emulator in a process of its own (tsx loads the test support's TypeScript) ──
const pbx = fork(new URL('./routing-pbx.mjs', import.meta.url), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const nextFrom = (child, type, label) =>
  new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`${label} exited with ${code}`));
    const onMessage = (m) => {
      if (m?.type === 'error') reject(new Error(`${label}: ${m.message}`));
      if (m?.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
watch({ type: 'pid', pid: pbx.pid });
await nextFrom(pbx, 'ready', 'routing-pbx');
pbx.send({ type: 'start', ...ARI, handleMs: HANDLE_MS, answerMs: ANSWER_MS });
const { url: ariUrl } = await nextFrom(pbx, 'pbx-ready', 'routing-pbx');
const pbxEnv = {
  ASTERISK_ARI_URL: ariUrl,
  ASTERISK_ARI_USERNAME: ARI.username,
  ASTERISK_ARI_PASSWORD: ARI.password,
  ASTERISK_MEDIA_BASE_URL: 'http://switchboard.bench:3000',
  TTS_ENGINE: 'none',
};

const config = loadConfig({
  DATA_DIR: dir,
  JWT_SECRET,
  LOG_LEVEL: 'silent',
  AUDIOSOCKET_ENABLED: 'false',
  LOGIN_MAX_ATTEMPTS_PER_IP: '1000000',
  SOCKET_EVENTS_PER_SECOND: '1000',
  SWITCHBOARD_ADMIN_EMAIL: 'admin@bench.test',
  SWITCHBOARD_ADMIN_PASSWORD: 'bench-admin-password',
  ...pbxEnv,
  ...(isCluster ? { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_CHANNEL: 'routing-bench:events' } : {}),
  // Node B takes it from the environment too.
  ...(process.env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE } : {}),
});
// Passwords are not what is measured: a hasher that accepts them keeps setup short.
const hasher = { hash: async () => 'bench', verify: async () => true };
let routing;
const server = await createServer(config, createLogger({ level: 'silent' }), {
  hasher,
  modules: [
    (context) => {
      const installed = installContactCenter(context);
      routing = installed.routing;
      return installed;
    },
    installVoicebot,
  ],
});
await bootstrapFirstAdmin(server, config);
const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
// Node B: the compiled-on-the-fly server in a process of its own, on the same database and Redis.
let nodeB;
let dirB;
let baseUrlB = baseUrl;
if (isCluster) {
  const port = await freePort();
  dirB = mkdtempSync(join(tmpdir(), 'switchboard-routing-bench-b-'));
  const profileArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  nodeB = spawn(process.execPath, [...profileArgs, '--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_CHANNEL: 'routing-bench:events',
      DATA_DIR: dirB,
      JWT_SECRET,
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: String(port),
      AUDIOSOCKET_ENABLED: 'false',
      LOGIN_MAX_ATTEMPTS_PER_IP: '1000000',
      SOCKET_EVENTS_PER_SECOND: '1000',
      NODE_ENV: 'production',
      ...pbxEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  baseUrlB = `http://127.0.0.1:${port}`;
  watch({ type: 'pid', pid: nodeB.pid });
  watch({ type: 'dir', dir: dirB });
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ok = await fetch(`${baseUrlB}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || nodeB.exitCode !== null) throw new Error('node B did not start');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
// One node holds the ARI lease and the events WebSocket (ADR 23): calls arrive there.
pbx.send({ type: 'wait-websocket', timeoutMs: 60_000 });
await nextFrom(pbx, 'pbx-websocket', 'routing-pbx');
const { db } = server.database;
const rowsOf = async (query) => (await db.execute(query)).rows;

const request = async (method, path, token, body, url = baseUrl) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
};

const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const absoluteNow = () => performance.timeOrigin + performance.now();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
// CPU time (ms) a process has used, from /proc (Linux; NaN elsewhere): user + system ticks.
const TICK_MS = 10; // USER_HZ is 100 on Linux
const cpuMsOf = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
};
// The PostgreSQL backends serving the bench's database (both nodes' pools and the runner's).
const backendPids = async () =>
  isCluster
    ? (await rowsOf(sql`select pid from pg_stat_activity where datname = current_database()`)).map((r) => r.pid)
    : [];
const cpuSnapshot = async () => {
  const postgres = new Map((await backendPids()).map((pid) => [pid, cpuMsOf(pid)]));
  return {
    nodeA: process.cpuUsage(),
    nodeB: nodeB ? cpuMsOf(nodeB.pid) : 0,
    clients: cpuMsOf(clients.pid),
    pbx: cpuMsOf(pbx.pid),
    postgres,
  };
};
// Per item: node A (this process: the reference's client side too), node B, the backends
// alive at both ends of the round (a backend that ended in between is not counted), the
// agents' clients and the PBX.
const cpuPerItem = (before, after, items) => {
  let postgres = 0;
  for (const [pid, ms] of after.postgres) if (before.postgres.has(pid)) postgres += ms - before.postgres.get(pid);
  const usage = process.cpuUsage(before.nodeA);
  const perItem = (ms) => ms / Math.max(1, items);
  return {
    nodeA: perItem((usage.user + usage.system) / 1000),
    nodeB: perItem(after.nodeB - before.nodeB),
    postgres: perItem(postgres),
    clients: perItem(after.clients - before.clients),
    pbx: perItem(after.pbx - before.pbx),
  };
};
const hasTaskset = () => {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const PINNED = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && hasTaskset();

// ── the agents' process ─────────────────────────────────────────────────────
const clients = fork(new URL('./routing-clients.mjs', import.meta.url), [], {
  ...(PINNED ? { execPath: 'taskset', execArgv: ['-c', '1', process.execPath] } : {}),
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
watch({ type: 'pid', pid: clients.pid });
const stamps = [];
const nextFromClients = (type) => nextFrom(clients, type, 'routing-clients');
const clientsReady = nextFromClients('ready');
clients.on('message', (m) => {
  if (m?.type === 'stamps') stamps.push(...m.stamps);
  else if (m?.type === 'error-note') console.error(m.message);
});

try {
  await clientsReady;
  const login = await request('POST', '/api/users/login', undefined, { email: 'admin@bench.test', password: 'x' });
  const admin = login.access_token;
  const companyId = login.user.company_id;

  // ── queues (over HTTP: twenty of them) ──────────────────────────────────────
  const queues = [];
  for (let i = 0; i < QUEUES; i += 1) {
    const isFair = i === 0;
    const queue = await request('POST', '/api/queues', admin, {
      name: `Fila ${i}`,
      channels: i % 4 === 3 ? ['voice'] : ['whatsapp', 'voice'],
      strategy: isFair ? 'longest_idle' : ['longest_idle', 'least_busy', 'round_robin'][i % 3],
      offer_mode: isFair || i % 2 === 0 ? 'auto' : 'accept',
      offer_timeout_seconds: 20,
      required_skills: isFair || i % 5 !== 1 ? [] : [{ name: SKILLS[i % SKILLS.length], min_level: 3 }],
    });
    queues.push(queue);
  }
  // One DID per queue but the fairness one: a call dials one of them (`[switchboard-dids]`).
  const didOf = new Map();
  for (let i = 1; i < QUEUES; i += 1) {
    const did = `5511300${String(i).padStart(5, '0')}`;
    await request('PUT', `/api/voice/entry-points/${did}`, admin, { default_queue_id: queues[i].id });
    didOf.set(queues[i].id, did);
  }

  // ── agents, seeded straight into the database ─────────────────────────────
  const setupStarted = performance.now();
  const agentRows = await rowsOf(sql`insert into users (id, company_id, email, name, role, password_hash)
    select gen_random_uuid(), ${companyId}, 'agent' || n || '@bench.test', 'Agente ' || n, 'agent', 'bench'
      from generate_series(0, ${AGENTS - 1}) as n
    returning id, email`);
  const indexOf = (email) => Number(email.slice('agent'.length, email.indexOf('@')));
  const agents = agentRows
    .map((row) => ({ id: row.id, index: indexOf(row.email) }))
    .sort((a, b) => a.index - b.index)
    .map((a) => ({ ...a, isFair: a.index < FAIR_AGENTS }));
  const sessions =
    await rowsOf(sql`insert into refresh_tokens (id, company_id, user_id, family_id, token_hash, expires_at)
    select gen_random_uuid(), ${companyId}, u.id, gen_random_uuid(), 'bench', now() + interval '1 day'
      from users u where u.company_id = ${companyId} and u.role = 'agent'
    returning user_id, family_id`);
  const familyOf = new Map(sessions.map((s) => [s.user_id, s.family_id]));
  // Each agent's SIP device (what the node rings: PJSIP/<endpoint_id>).
  const deviceJson = JSON.stringify(agents.map((a) => ({ id: a.id, ext: 10_000 + a.index, ep: `bench${a.index}` })));
  await db.execute(sql`insert into sip_devices (id, company_id, user_id, extension, endpoint_id, template)
    select gen_random_uuid(), ${companyId}, d.id, d.ext, d.ep, 'sip'
      from jsonb_to_recordset(${deviceJson}::jsonb) as d(id uuid, ext int, ep text)`);
  const capacityOf = (a) => (a.isFair ? 1 : 1 + (a.index % 3));
  const agentJson = JSON.stringify(agents.map((a) => ({ id: a.id, cap: capacityOf(a) })));
  await db.execute(sql`insert into routing_agents (user_id, company_id, whatsapp_capacity, webchat_capacity, updated_at)
    select a.id, ${companyId}, a.cap, 3, now() from jsonb_to_recordset(${agentJson}::jsonb) as a(id uuid, cap int)`);
  const skillRows = agents
    .filter((a) => !a.isFair)
    .flatMap((a) => SKILLS.map((name, k) => ({ user_id: a.id, name, level: 1 + ((a.index + k) % 10) })));
  await db.execute(sql`insert into user_skills (company_id, user_id, name, level)
    select ${companyId}, s.user_id, s.name, s.level
      from jsonb_to_recordset(${JSON.stringify(skillRows)}::jsonb) as s(user_id uuid, name text, level int)`);
  const memberRows = agents.flatMap((a) => {
    const homes = a.isFair ? [0] : [1 + (a.index % (QUEUES - 1)), 1 + ((a.index * 7) % (QUEUES - 1))];
    return [...new Set(homes)].map((q) => ({ queue_id: queues[q].id, user_id: a.id }));
  });
  await db.execute(sql`insert into queue_members (company_id, queue_id, user_id, priority)
    select ${companyId}, m.queue_id, m.user_id, 0
      from jsonb_to_recordset(${JSON.stringify(memberRows)}::jsonb) as m(queue_id uuid, user_id uuid)`);
  // Signed after the rows exist (a token must be issued after the user's tokens_valid_after).
  const accessTokens = createJwtAccessTokens({ secret: JWT_SECRET, ttlSeconds: 3 * 3600 });
  for (const agent of agents) {
    agent.token = await accessTokens.sign({
      userId: agent.id,
      companyId,
      role: 'agent',
      sessionId: familyOf.get(agent.id),
    });
    // On two nodes every other agent sits on node B: socket, accepts and closes there.
    agent.url = isCluster && agent.index % 2 === 1 ? baseUrlB : baseUrl;
  }
  const seedSeconds = (performance.now() - setupStarted) / 1000;
  // The reference client sits on node A, where the reference emits (the last agent there).
  const referenceAgent = agents.filter((a) => a.url === baseUrl).at(-1);
  const connectCpu = process.cpuUsage();
  const connectStarted = performance.now();
  clients.send({
    type: 'connect',
    batch: CONNECT_BATCH,
    handleMs: HANDLE_MS,
    agents: agents.map((a) => ({ id: a.id, index: a.index, token: a.token, url: a.url })),
  });
  await nextFromClients('connected');
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  const { user: connectUser, system: connectSystem } = process.cpuUsage(connectCpu);
  // Node A's CPU while the agents came online (all of them on PGlite, half on two nodes).
  const agentsOnA = agents.filter((a) => a.url === baseUrl).length;
  const connectCpuMsPerAgent = (connectUser + connectSystem) / 1000 / agentsOnA;
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  console.log(
    `database: ${server.database.kind}${isCluster ? ', two nodes (A in this process, B its own process) sharing it and Redis' : ', one node'}; ` +
      `${AGENTS} agents (${FAIR_AGENTS} identical), ${QUEUES} queues, ${memberRows.length} memberships; ` +
      `seeded in ${seedSeconds.toFixed(1)} s, all online in ${setupSeconds.toFixed(0)} s ` +
      `(connecting ${connectSeconds.toFixed(1)} s, ${CONNECT_BATCH} at a time; node A's CPU ${connectCpuMsPerAgent.toFixed(1)} ms per agent of its ${agentsOnA}); ` +
      `agents' clients ${PINNED ? 'in their own process on CPU 1 (taskset)' : 'in their own process (unpinned)'}; ` +
      `the PBX (ARI emulator) in its own process, devices answering after ${ANSWER_MS} ms`,
  );
  console.log(
    `load: ${CHATS_PER_S} chats/s (${CHAT_ARRIVAL === 'http' ? `over HTTP, alternately on ${isCluster ? 'nodes A and B' : 'the node'}` : 'engine.enqueue on node A'}) ` +
      `and ${CALLS_PER_S} calls/s (DIDs through the ARI emulator) for ${SECONDS} s per round, ${ROUNDS} rounds; ` +
      `handle ${HANDLE_MS[0]}–${HANDLE_MS[1]} ms; hard cap ${MAX_SECONDS} s`,
  );

  await db.execute(sql`create table if not exists bench_reference (id uuid primary key, at timestamptz not null)`);
  const referenceRoom = `user:${referenceAgent.id}`;
  const chatQueues = queues.filter((q) => q.channels.includes('whatsapp'));
  const fairShare = 0.25; // of the chats go to queue 0, the identical agents
  const fmt = (ms) => `${ms.toFixed(1)} ms`;
  const results = [];

  for (let round = 1; round <= ROUNDS && !isOverCap; round += 1) {
    // ── this round's conversations (created up front, not waiting for anyone) ──
    const totalChats = Math.ceil(CHATS_PER_S * SECONDS);
    const chatIds = [];
    for (let start = 0; start < totalChats; start += 500) {
      const batch = Array.from({ length: Math.min(500, totalChats - start) }, (_, k) => ({
        contactId: randomUUID(),
        conversationId: randomUUID(),
        phone: `+55${round}1${String(900000000 + start + k)}`,
      }));
      await db.execute(sql`insert into contacts (id, company_id, name, phone, created_at, updated_at)
        select c.id, ${companyId}, 'Cliente', c.phone, now(), now()
          from jsonb_to_recordset(${JSON.stringify(batch.map((b) => ({ id: b.contactId, phone: b.phone })))}::jsonb)
            as c(id uuid, phone text)`);
      await db.execute(sql`insert into conversations (id, company_id, contact_id, channel, status, awaiting_human, last_activity_at, created_at, updated_at)
        select c.id, ${companyId}, c.contact_id, 'whatsapp', 'open', false, now(), now(), now()
          from jsonb_to_recordset(${JSON.stringify(batch.map((b) => ({ id: b.conversationId, contact_id: b.contactId })))}::jsonb)
            as c(id uuid, contact_id uuid)`);
      chatIds.push(...batch.map((b) => b.conversationId));
    }

    const arrivedAt = new Map(); // item (conversation or call id) -> absolute ms
    const referenceStarted = new Map(); // reference id -> absolute ms
    const roundTrip = async () => {
      const id = randomUUID();
      referenceStarted.set(id, absoluteNow());
      const [row] = await db.transaction(
        async (tx) =>
          (await tx.execute(sql`insert into bench_reference (id, at) values (${id}, now()) returning id`)).rows,
      );
      server.realtime.io.to(referenceRoom).emit('bench_reference', { id: row.id });
    };
    const stampsFrom = stamps.length;
    const loadAtStart = loadavg()[0];
    const started = performance.now();
    let chatIndex = 0;
    let callCount = 0;
    const countNow = async () =>
      Number((await rowsOf(sql`select count(*) as n from routing_offers`))[0].n) +
      Number((await rowsOf(sql`select count(*) as n from queue_entries where assigned_at is not null`))[0].n);
    const decisionsBefore = await countNow();
    const cpuBefore = await cpuSnapshot();
    clients.send({ type: 'count-packets' });
    const pending = [];
    // This round's plan: which queue each chat goes to (and on which node), which DID each call dials.
    const chatPlan = chatIds.map((conversationId, k) => ({
      conversationId,
      queueId: (Math.random() < fairShare
        ? queues[0]
        : chatQueues[1 + Math.floor(Math.random() * (chatQueues.length - 1))]
      ).id,
      // As a load balancer spreads them: every other chat on node B.
      url: k % 2 === 1 ? baseUrlB : baseUrl,
    }));
    const callPlan = Array.from({ length: Math.ceil(CALLS_PER_S * SECONDS) }, (_, k) => ({
      id: randomUUID(),
      did: didOf.get(queues[1 + Math.floor(Math.random() * (queues.length - 1))].id),
      callerNumber: `+55119${String(round * 1e7 + k).padStart(8, '0')}`,
    }));
    // The PBX process is the load generator (its own clock and event loop): calls, and chats over HTTP.
    const arrived = nextFrom(pbx, 'arrived', 'routing-pbx');
    pbx.send({
      type: 'arrive',
      plan: {
        seconds: SECONDS,
        chatsPerS: CHATS_PER_S,
        callsPerS: CALLS_PER_S,
        chats: CHAT_ARRIVAL === 'http' ? chatPlan : [],
        calls: callPlan,
        token: admin,
        answerWaitMs: DRAIN_MS / 2,
      },
    });
    // Here: the reference round trips (10 a second), and the chats handed to the engine when asked to.
    let references = 0;
    for (;;) {
      const elapsedS = (performance.now() - started) / 1000;
      if (elapsedS >= SECONDS || isOverCap) break;
      if (CHAT_ARRIVAL === 'engine') {
        for (; chatIndex < Math.min(chatPlan.length, Math.floor(elapsedS * CHATS_PER_S)); chatIndex += 1) {
          const chat = chatPlan[chatIndex];
          arrivedAt.set(chat.conversationId, absoluteNow());
          pending.push(
            routing.engine.enqueue({
              companyId,
              queueId: chat.queueId,
              channel: 'whatsapp',
              conversationId: chat.conversationId,
              label: 'Cliente',
            }),
          );
        }
      }
      for (; references < Math.floor(elapsedS * 10); references += 1) pending.push(roundTrip());
      await sleep(20);
    }
    const decisions = (await countNow()) - decisionsBefore;
    const drainStarted = performance.now();
    const generator = await arrived;
    const arrivalSeconds = generator.windowSeconds;
    for (const [conversationId, at] of generator.chatAt) arrivedAt.set(conversationId, at);
    if (CHAT_ARRIVAL === 'http') chatIndex = generator.chats;
    callCount = generator.calls.length;
    const placedCalls = generator.calls;
    const chatFailures = generator.failures;
    for (const note of generator.notes) console.error(`chat arrival failed: ${note}`);
    await Promise.race([Promise.allSettled(pending), sleep(DRAIN_MS / 2)]);

    // ── drain: wait (bounded) until nothing of this round waits or is served ────
    let stillLive = 0;
    while (performance.now() - drainStarted < DRAIN_MS && !isOverCap) {
      stillLive = Number(
        (
          await rowsOf(sql`select count(*) as n from queue_entries where state in ('waiting', 'offered', 'assigned')`)
        )[0].n,
      );
      if (stillLive === 0) break;
      await sleep(250);
    }
    const cpuAfter = await cpuSnapshot();
    clients.send({ type: 'flush' });
    const { packets } = await nextFromClients('flushed');
    // The calls as the PBX saw them: each caller's StasisStart is the call's arrival.
    pbx.send({ type: 'report', channelIds: placedCalls });
    const pbxReport = await nextFrom(pbx, 'pbx-report', 'routing-pbx');
    const callRows = placedCalls.length
      ? await rowsOf(sql`select id, customer_channel_id from calls
          where customer_channel_id in (select jsonb_array_elements_text(${JSON.stringify(placedCalls)}::jsonb))`)
      : [];
    const callOfChannel = new Map(callRows.map((r) => [r.customer_channel_id, r.id]));
    const callKeys = new Set();
    let callsWithoutRecord = 0;
    let callersDroppedUnbridged = 0;
    let callersStillWaiting = 0;
    for (const c of pbxReport.calls) {
      const callId = callOfChannel.get(c.channelId);
      if (!callId) {
        // Still in Stasis with no call record yet: the owner has not got to it (a backlog), not lost.
        if (c.isUp) callersStillWaiting += 1;
        else callsWithoutRecord += 1;
        continue;
      }
      callKeys.add(callId);
      arrivedAt.set(callId, c.placedAt);
      if (c.endedByServer && !c.isBridged) callersDroppedUnbridged += 1;
      if (c.isUp && !c.isBridged) callersStillWaiting += 1;
    }

    // ── this round's figures ──────────────────────────────────────────────────
    const roundStamps = stamps.slice(stampsFrom);
    const firstAt = new Map(); // item -> first offer or assignment at a socket
    const firstAgent = new Map(); // item -> the agent (index) of that first offer or assignment
    const handled = new Map(); // agent index -> items assigned this round
    for (const s of roundStamps) {
      if (s.kind === 'reference' || !arrivedAt.has(s.key)) continue;
      if (s.kind === 'offer' || (s.kind === 'assigned' && s.attempts === 0)) {
        if (!firstAt.has(s.key) || firstAt.get(s.key) > s.at) {
          firstAt.set(s.key, s.at);
          firstAgent.set(s.key, s.agent);
        }
      }
      if (s.kind === 'assigned') handled.set(s.agent, (handled.get(s.agent) ?? 0) + 1);
    }
    const offerLatency = [...firstAt].map(([key, at]) => at - arrivedAt.get(key));
    const callLatency = [...firstAt].filter(([key]) => callKeys.has(key)).map(([key, at]) => at - arrivedAt.get(key));
    const chatLatency = [...firstAt].filter(([key]) => !callKeys.has(key)).map(([key, at]) => at - arrivedAt.get(key));
    // A chat is decided on the node its arrival reached; its agent's socket is on that node
    // or on the other (then the events cross Redis and the other node's ordered delivery).
    const chatNode = new Map(
      chatPlan.map((chat) => [chat.conversationId, CHAT_ARRIVAL === 'engine' ? baseUrl : chat.url]),
    );
    const agentUrl = new Map(agents.map((a) => [a.index, a.url]));
    const chatSplit = { same: [], across: [] };
    for (const [key, at] of firstAt) {
      if (callKeys.has(key) || !chatNode.has(key)) continue;
      const isSame = agentUrl.get(firstAgent.get(key)) === chatNode.get(key);
      chatSplit[isSame ? 'same' : 'across'].push(at - arrivedAt.get(key));
    }
    // The identical agents' queue is the one queue run near its capacity (capacity 1 each):
    // a chat that finds them all busy waits for one to finish (Erlang C), which is queueing,
    // not routing. Its chats and the others', apart.
    const fairQueueChats = new Set(chatPlan.filter((c) => c.queueId === queues[0].id).map((c) => c.conversationId));
    const chatByQueue = { fair: [], other: [] };
    for (const [key, at] of firstAt) {
      if (callKeys.has(key)) continue;
      chatByQueue[fairQueueChats.has(key) ? 'fair' : 'other'].push(at - arrivedAt.get(key));
    }
    const reference = roundStamps
      .filter((s) => s.kind === 'reference' && referenceStarted.has(s.key))
      .map((s) => s.at - referenceStarted.get(s.key));
    const entryKeys = await rowsOf(sql`
      select coalesce(conversation_id, call_id) as key,
             count(*) filter (where assigned_at is not null) as assigned,
             count(*) filter (where state in ('waiting', 'offered', 'assigned')) as live
        from queue_entries group by 1`);
    const byKey = new Map(entryKeys.map((r) => [r.key, r]));
    // Not lost: a chat the node refused (a webhook would be delivered again) or has not answered yet (in flight).
    const notArrived = new Set([...generator.failed, ...generator.unanswered]);
    const lostKeys = [...arrivedAt.keys()].filter((key) => {
      if (notArrived.has(key)) return false;
      const row = byKey.get(key);
      return !row || (Number(row.assigned) === 0 && Number(row.live) === 0);
    });
    // A call is lost too when its caller is gone without ever becoming a call, or the node hung up a caller it never bridged.
    const lostCalls = lostKeys.filter((key) => callKeys.has(key)).length + callsWithoutRecord + callersDroppedUnbridged;
    const lost = lostKeys.length + callsWithoutRecord + callersDroppedUnbridged;
    const fair = agents.filter((a) => a.isFair).map((a) => handled.get(a.index) ?? 0);
    const mean = fair.reduce((s, n) => s + n, 0) / fair.length;
    const cv = Math.sqrt(fair.reduce((s, n) => s + (n - mean) ** 2, 0) / fair.length) / mean;
    const result = {
      p50: percentile(offerLatency, 50),
      p99: percentile(offerLatency, 99),
      refP50: percentile(reference, 50),
      refP99: percentile(reference, 99),
      decisionsPerS: decisions / arrivalSeconds,
      cv,
    };
    const items = chatIndex + callCount;
    const cpu = cpuPerItem(cpuBefore, cpuAfter, items);
    result.cpu = cpu;
    results.push(result);
    const topPackets = Object.entries(packets)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([name, n]) => `${name} ${(n / Math.max(1, items)).toFixed(1)}`)
      .join(', ');
    const allPackets = Object.values(packets).reduce((sum, n) => sum + n, 0);
    console.log(
      `round ${round}: load ${loadAtStart.toFixed(1)} -> ${loadavg()[0].toFixed(1)}; ${chatIndex} chats + ${callCount} calls over ${arrivalSeconds.toFixed(1)} s; ` +
        `offer p50 ${fmt(result.p50)} p99 ${fmt(result.p99)} (${offerLatency.length} items; ` +
        `chats p50 ${fmt(percentile(chatLatency, 50))} p99 ${fmt(percentile(chatLatency, 99))}, ` +
        `calls p50 ${fmt(percentile(callLatency, 50))} p99 ${fmt(percentile(callLatency, 99))} (${callLatency.length}); ` +
        `chats whose agent is on the deciding node p50 ${fmt(percentile(chatSplit.same, 50))} p99 ${fmt(percentile(chatSplit.same, 99))} (${chatSplit.same.length}), ` +
        `on the other node p50 ${fmt(percentile(chatSplit.across, 50))} p99 ${fmt(percentile(chatSplit.across, 99))} (${chatSplit.across.length}); ` +
        `chats to the identical agents' queue p50 ${fmt(percentile(chatByQueue.fair, 50))} p99 ${fmt(percentile(chatByQueue.fair, 99))} ` +
        `(${chatByQueue.fair.length}; over 100 ms: ${chatByQueue.fair.filter((ms) => ms > 100).length}), ` +
        `to the other queues p50 ${fmt(percentile(chatByQueue.other, 50))} p99 ${fmt(percentile(chatByQueue.other, 99))} ` +
        `(${chatByQueue.other.length}; over 100 ms: ${chatByQueue.other.filter((ms) => ms > 100).length})); ` +
        `reference p50 ${fmt(result.refP50)} p99 ${fmt(result.refP99)} (${reference.length}); ` +
        `p99 ratio ${(result.p99 / result.refP99).toFixed(2)}; decisions ${result.decisionsPerS.toFixed(1)}/s; ` +
        `lost ${lost} (calls ${lostCalls}); chat arrivals refused ${chatFailures}, unanswered by the node at the end ${generator.unanswered.length}; ` +
        `still live after the drain ${stillLive} (callers still waiting at the PBX ${callersStillWaiting}; ` +
        `refused by Stasis so far ${pbxReport.refusals}); ` +
        `fairness ${Math.min(...fair)}–${Math.max(...fair)} items (mean ${mean.toFixed(1)}), CV ${cv.toFixed(3)}`,
    );
    console.log(
      `round ${round} CPU per item (arrivals to the end of the drain, ${items} items): nodes A + B ${fmt(cpu.nodeA + cpu.nodeB)} ` +
        `(A ${fmt(cpu.nodeA)}, B ${fmt(cpu.nodeB)}), PostgreSQL backends ${fmt(cpu.postgres)}, ` +
        `agents' clients ${fmt(cpu.clients)}, PBX ${fmt(cpu.pbx)}; ` +
        `socket packets at the agents' clients ${(allPackets / Math.max(1, items)).toFixed(1)} per item (${topPackets})`,
    );
  }

  // ── over the run ──────────────────────────────────────────────────────────
  const [doubleOffers] = await rowsOf(sql`
    select count(*) as n from routing_offers a join routing_offers b on a.entry_id = b.entry_id and a.id < b.id
     where not a.is_ring_all and a.offered_at < coalesce(b.responded_at, 'infinity') and b.offered_at < coalesce(a.responded_at, 'infinity')`);
  const [doubleAccepts] = await rowsOf(sql`
    select count(*) as n from (select entry_id from routing_offers where state = 'accepted' group by entry_id having count(*) > 1) x`);
  const assignedSeen = new Map();
  for (const s of stamps)
    if (s.kind === 'assigned') assignedSeen.set(s.entryId, (assignedSeen.get(s.entryId) ?? 0) + 1);
  const doubleAssignedAtSockets = [...assignedSeen.values()].filter((n) => n > 1).length;
  const med = (pick) => median(results.map(pick));
  console.log(
    `medians of ${results.length} rounds: offer p50 ${fmt(med((r) => r.p50))}, p99 ${fmt(med((r) => r.p99))}; ` +
      `reference p50 ${fmt(med((r) => r.refP50))}, p99 ${fmt(med((r) => r.refP99))}; ` +
      `p99 ratio ${med((r) => r.p99 / r.refP99).toFixed(2)} (target ≤ 3); decisions ${med((r) => r.decisionsPerS).toFixed(1)}/s; ` +
      `fairness CV ${med((r) => r.cv).toFixed(3)} (target ≤ 0.10)`,
  );
  console.log(
    `double offers: ${doubleOffers.n}, double accepts: ${doubleAccepts.n}, double assignments at sockets: ${doubleAssignedAtSockets}`,
  );
  pbx.send({ type: 'report', channelIds: [] });
  const pbxTotals = await nextFrom(pbx, 'pbx-report', 'routing-pbx');
  console.log(
    `at the PBX (ARI emulator): agents' devices rung ${pbxTotals.rung}, ` +
      `an agent's device in two calls at once: ${pbxTotals.doubles.agentInTwoCalls}, ` +
      `a caller bridged twice: ${pbxTotals.doubles.callerBridgedTwice}; ${pbxTotals.requests} ARI requests; ` +
      `callers refused by Stasis (no node held the ARI app at that moment) ${pbxTotals.refusals}`,
  );
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await shutdown('end');
}

async function stopEverything(why) {
  if (why !== 'end') process.exitCode = 1;
  // Connections the database drop ends (node A's, if its close is stuck) must not crash the cleanup.
  process.on('uncaughtException', (error) => console.error(`shutdown: ${error.message}`));
  // Each step bounded: a stuck shutdown is reported, not waited for.
  const within = (label, promise, ms = 30_000) =>
    Promise.race([
      promise,
      new Promise((resolve) =>
        setTimeout(() => {
          console.error(`shutdown: ${label} took over ${ms / 1000} s, going on`);
          resolve();
        }, ms).unref(),
      ),
    ]);
  const stopChild = async (label, child, message) => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (message) child.send(message);
    else child.kill('SIGTERM');
    await within(label, exited, 10_000);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  // Lazily: a hard cap during set-up finds some of them not made yet.
  const step = (run) =>
    Promise.resolve()
      .then(run)
      .catch((error) => console.error('shutdown:', error.message));
  await step(() => stopChild('the agents process', clients, { type: 'stop' }));
  await step(() => stopChild('node B', nodeB));
  await step(() => within('node A', server.close()));
  await step(() => stopChild('the PBX process', pbx, { type: 'stop' }));
  redisChild?.kill('SIGTERM');
  await dropDatabase().catch((error) => console.error('database not dropped:', error.message));
  rmSync(dir, { recursive: true, force: true });
  if (dirB) rmSync(dirB, { recursive: true, force: true });
  console.log(`uptime after: ${uptime()}; the run took ${((performance.now() - runStarted) / 1000).toFixed(0)} s`);
  if (watchdog.connected) await new Promise((resolve) => watchdog.send({ type: 'clean' }, resolve));
  // Whatever a stuck step left open (sockets, timers) does not keep the bench alive.
  process.exit(process.exitCode ?? 0);
}

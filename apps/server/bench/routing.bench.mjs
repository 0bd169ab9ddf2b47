// Benchmark: the routing engine under a steady arrival of chats and calls.
//
// Starts a real Switchboard (createServer, every feature module, on PGlite under a temp
// directory). With DATABASE_URL it makes a fresh database on that server (dropped at the
// end) and runs TWO nodes sharing it and one Redis (REDIS_URL, or a redis-server it
// starts): node A in this process, node B a `src/cli.ts serve` process of its own. Half
// the agents sit on B (socket, accepts, closes), so both nodes decide. It creates BENCH_AGENTS agents signed in over HTTP with a
// Socket.IO connection each and status online, spread over BENCH_QUEUES queues with mixed
// skills and chat capacities (half the queues assign at once, half offer and the agent
// accepts over HTTP). Queue 0 holds BENCH_FAIR_AGENTS identical agents (capacity 1,
// longest_idle) for the fairness figure. Items arrive at BENCH_CHATS_PER_S chats and
// BENCH_CALLS_PER_S calls a second for BENCH_SECONDS: a chat is a real WhatsApp
// conversation handed to the engine (`enqueue`, as the conversations trigger does), a
// call a voice item (the ARI side is not built yet). Agents finish after a random handle
// time (chats closed over HTTP, calls ended through the engine).
//
// It prints arrival -> offer at the agent's socket (entry_assigned or offer_created)
// p50/p99, decisions per second, double offers and assignments (0), items lost (0),
// fairness (coefficient of variation of items per identical agent) and, in the same run,
// a reference round trip: one INSERT ... RETURNING in a transaction plus one Socket.IO
// emit to one client. Run with `npm run bench:routing`.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { io } from 'socket.io-client';
import { loadConfig } from '../src/config.js';
import { installContactCenter } from '../src/feature-modules.js';
import { bootstrapFirstAdmin, createServer } from '../src/main.js';
import { installVoicebot } from '../src/modules/voicebot/index.js';
import { createLogger } from '../src/shared/logger.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const FAIR_AGENTS = Number(process.env.BENCH_FAIR_AGENTS ?? 20);
const QUEUES = Number(process.env.BENCH_QUEUES ?? 20);
const CHATS_PER_S = Number(process.env.BENCH_CHATS_PER_S ?? 20);
const CALLS_PER_S = Number(process.env.BENCH_CALLS_PER_S ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const HANDLE_MS = [Number(process.env.BENCH_HANDLE_MIN_MS ?? 1000), Number(process.env.BENCH_HANDLE_MAX_MS ?? 4000)];
const DRAIN_MS = 60_000;
const SKILLS = ['vendas', 'suporte', 'financeiro', 'espanhol'];

const dir = mkdtempSync(join(tmpdir(), 'switchboard-routing-bench-'));
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
  dropDatabase = async () => {
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
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
const config = loadConfig({
  DATA_DIR: dir,
  JWT_SECRET,
  LOG_LEVEL: 'silent',
  AUDIOSOCKET_ENABLED: 'false',
  LOGIN_MAX_ATTEMPTS_PER_IP: '1000000',
  SOCKET_EVENTS_PER_SECOND: '1000',
  SWITCHBOARD_ADMIN_EMAIL: 'admin@bench.test',
  SWITCHBOARD_ADMIN_PASSWORD: 'bench-admin-password',
  ...(isCluster ? { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_CHANNEL: 'routing-bench:events' } : {}),
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
let baseUrlB = baseUrl;
if (isCluster) {
  const port = await freePort();
  nodeB = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_CHANNEL: 'routing-bench:events',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-routing-bench-b-')),
      JWT_SECRET,
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: String(port),
      AUDIOSOCKET_ENABLED: 'false',
      LOGIN_MAX_ATTEMPTS_PER_IP: '1000000',
      SOCKET_EVENTS_PER_SECOND: '1000',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  baseUrlB = `http://127.0.0.1:${port}`;
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
const random = (min, max) => min + Math.random() * (max - min);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const login = await request('POST', '/api/users/login', undefined, { email: 'admin@bench.test', password: 'x' });
  const admin = login.access_token;
  const companyId = login.user.company_id;

  // ── queues ────────────────────────────────────────────────────────────────
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
    queues.push({ ...queue, members: [] });
  }

  // ── agents ────────────────────────────────────────────────────────────────
  const agents = [];
  const setupStarted = performance.now();
  const setUpAgent = async (i) => {
    const isFair = i < FAIR_AGENTS;
    const email = `agent${i}@bench.test`;
    const user = await request('POST', '/api/users', admin, {
      email,
      name: `Agente ${i}`,
      role: 'agent',
      password: 'bench-agent-password-0',
    });
    const session = await request('POST', '/api/users/login', undefined, { email, password: 'x' });
    const capacity = isFair ? 1 : 1 + (i % 3);
    await request('PATCH', `/api/users/${user.id}`, admin, { capacity: { whatsapp: capacity } });
    if (!isFair) {
      await request(
        'PUT',
        `/api/users/${user.id}/skills`,
        admin,
        SKILLS.map((name, k) => ({ name, level: 1 + ((i + k) % 10) })),
      );
    }
    const homes = isFair ? [0] : [1 + (i % (QUEUES - 1)), 1 + ((i * 7) % (QUEUES - 1))];
    for (const q of new Set(homes)) queues[q].members.push({ user_id: user.id, priority: 0 });
    // On two nodes every other agent sits on node B: socket, accepts and closes there.
    const url = isCluster && i % 2 === 1 ? baseUrlB : baseUrl;
    agents.push({ index: i, id: user.id, token: session.access_token, isFair, handled: 0, socket: undefined, url });
  };
  // A few at a time: setup is not what is measured, and it is long at 1,000 agents.
  for (let i = 0; i < AGENTS; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, AGENTS - i) }, (_, k) => setUpAgent(i + k)));
  }
  agents.sort((a, b) => a.index - b.index);
  for (const queue of queues) await request('PUT', `/api/queues/${queue.id}/members`, admin, queue.members);

  // ── conversations the chats will be (created up front, not waiting for anyone) ──
  const totalChats = Math.ceil(CHATS_PER_S * SECONDS);
  const chatIds = [];
  for (let start = 0; start < totalChats; start += 500) {
    const batch = Array.from({ length: Math.min(500, totalChats - start) }, (_, k) => ({
      contactId: randomUUID(),
      conversationId: randomUUID(),
      phone: `+5511${String(900000000 + start + k)}`,
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

  // ── sockets: every agent online; each offer or assignment is timed where it lands ──
  const arrivedAt = new Map(); // entry key (conversation or call id) -> ms
  const offerLatency = [];
  const seenAtAgent = new Map(); // entry id -> count of entry_assigned seen
  const timers = new Set();
  const handle = (agent, item) => {
    agent.handled += 1;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        const finish = item.conversationId
          ? request('POST', `/api/conversations/${item.conversationId}/close`, agent.token, {}, agent.url)
          : routing.engine.endEntry(companyId, item.entryId, 'completed');
        finish.catch((error) => console.error('finish failed', error.message));
      },
      random(HANDLE_MS[0], HANDLE_MS[1]),
    );
    timers.add(timer);
  };
  for (const agent of agents) {
    const socket = io(agent.url, { auth: { token: agent.token }, transports: ['websocket'], reconnection: false });
    agent.socket = socket;
    socket.on('offer_created', (envelope) => {
      const data = envelope.data;
      const start = arrivedAt.get(data.conversation_id ?? data.call_id);
      if (start !== undefined && data.agent_id === agent.id) offerLatency.push(performance.now() - start);
      if (data.agent_id === agent.id) {
        request('POST', `/api/routing/offers/${data.id}/accept`, agent.token, undefined, agent.url).catch(
          () => undefined,
        );
      }
    });
    socket.on('entry_assigned', (envelope) => {
      const data = envelope.data;
      if (data.assigned_to !== agent.id) return;
      seenAtAgent.set(data.id, (seenAtAgent.get(data.id) ?? 0) + 1);
      const key = data.conversation_id ?? data.call_id;
      const start = arrivedAt.get(key);
      // An offer's latency was taken when it was offered; an assignment at once is timed here.
      if (start !== undefined && data.attempts === 0) offerLatency.push(performance.now() - start);
      handle(agent, { conversationId: data.conversation_id, entryId: data.id });
    });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    await new Promise((resolve) => socket.emit('update_status', { status: 'online' }, resolve));
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  // ── the reference round trip, interleaved with the load ───────────────────
  await db.execute(sql`create table if not exists bench_reference (id uuid primary key, at timestamptz not null)`);
  // The reference client sits on node A, where the reference emits.
  const referenceAgent = agents.filter((a) => a.url === baseUrl).at(-1);
  const referenceClient = referenceAgent.socket;
  const reference = [];
  const referenceRoom = `user:${referenceAgent.id}`;
  const roundTrip = async () => {
    const id = randomUUID();
    const started = performance.now();
    const received = new Promise((resolve) => {
      const onReference = (payload) => {
        if (payload.id !== id) return;
        referenceClient.off('bench_reference', onReference);
        resolve();
      };
      referenceClient.on('bench_reference', onReference);
    });
    const [row] = await db.transaction(
      async (tx) =>
        (await tx.execute(sql`insert into bench_reference (id, at) values (${id}, now()) returning id`)).rows,
    );
    server.realtime.io.to(referenceRoom).emit('bench_reference', { id: row.id });
    await received;
    reference.push(performance.now() - started);
  };

  // ── arrivals ──────────────────────────────────────────────────────────────
  const chatQueues = queues.filter((q) => q.channels.includes('whatsapp'));
  const fairShare = 0.25; // of the chats go to queue 0, the identical agents
  const calls = [];
  const loadAtStart = loadavg()[0];
  const started = performance.now();
  let chatIndex = 0;
  let callCount = 0;
  const decisionsBefore = Number((await rowsOf(sql`select count(*) as n from routing_offers`))[0].n);
  const pending = [];
  // Arrivals are due by the clock, not by ticks: a busy event loop delays them, never drops them.
  const arrivalsDone = (async () => {
    let references = 0;
    for (;;) {
      const elapsedS = (performance.now() - started) / 1000;
      if (elapsedS >= SECONDS) break;
      for (; chatIndex < Math.min(chatIds.length, Math.floor(elapsedS * CHATS_PER_S));) {
        const conversationId = chatIds[chatIndex];
        const queue =
          Math.random() < fairShare ? queues[0] : chatQueues[1 + Math.floor(Math.random() * (chatQueues.length - 1))];
        chatIndex += 1;
        arrivedAt.set(conversationId, performance.now());
        pending.push(
          routing.engine.enqueue({
            companyId,
            queueId: queue.id,
            channel: 'whatsapp',
            conversationId,
            label: 'Cliente',
          }),
        );
      }
      for (; callCount < Math.floor(elapsedS * CALLS_PER_S);) {
        const callId = randomUUID();
        const queue = queues[1 + Math.floor(Math.random() * (queues.length - 1))];
        callCount += 1;
        calls.push(callId);
        arrivedAt.set(callId, performance.now());
        pending.push(
          routing.engine.enqueue({ companyId, queueId: queue.id, channel: 'voice', callId, label: 'Chamada' }),
        );
      }
      for (; references < Math.floor(elapsedS * 10); references += 1) pending.push(roundTrip());
      await sleep(20);
    }
  })();
  await arrivalsDone;
  await Promise.allSettled(pending);
  const arrivalSeconds = (performance.now() - started) / 1000;
  const assignedDuring = Number(
    (await rowsOf(sql`select count(*) as n from queue_entries where assigned_at is not null`))[0].n,
  );
  const offersDuring = Number((await rowsOf(sql`select count(*) as n from routing_offers`))[0].n) - decisionsBefore;

  // ── drain: wait (bounded) until nothing waits and nothing is assigned ───────
  const drainStarted = performance.now();
  while (performance.now() - drainStarted < DRAIN_MS) {
    const [live] = await rowsOf(
      sql`select count(*) as n from queue_entries where state in ('waiting', 'offered', 'assigned')`,
    );
    if (Number(live.n) === 0) break;
    await sleep(250);
  }

  // ── what happened ─────────────────────────────────────────────────────────
  const [doubleOffers] = await rowsOf(sql`
    select count(*) as n from routing_offers a join routing_offers b on a.entry_id = b.entry_id and a.id < b.id
     where not a.is_ring_all and a.offered_at < coalesce(b.responded_at, 'infinity') and b.offered_at < coalesce(a.responded_at, 'infinity')`);
  const [doubleAccepts] = await rowsOf(sql`
    select count(*) as n from (select entry_id from routing_offers where state = 'accepted' group by entry_id having count(*) > 1) x`);
  const doubleAssignedAtSockets = [...seenAtAgent.values()].filter((n) => n > 1).length;
  // Lost: an item that arrived and has no live entry and was never assigned (still waiting is not lost).
  const entryKeys = await rowsOf(sql`
    select coalesce(conversation_id, call_id) as key,
           count(*) filter (where assigned_at is not null) as assigned,
           count(*) filter (where state in ('waiting', 'offered', 'assigned')) as live
      from queue_entries group by 1`);
  const byKey = new Map(entryKeys.map((r) => [r.key, r]));
  const lost = [...arrivedAt.keys()].filter((key) => {
    const row = byKey.get(key);
    return !row || (Number(row.assigned) === 0 && Number(row.live) === 0);
  }).length;
  const stillLive = Number(
    (await rowsOf(sql`select count(*) as n from queue_entries where state in ('waiting', 'offered', 'assigned')`))[0].n,
  );
  const fair = agents.filter((a) => a.isFair).map((a) => a.handled);
  const mean = fair.reduce((s, n) => s + n, 0) / fair.length;
  const cv = Math.sqrt(fair.reduce((s, n) => s + (n - mean) ** 2, 0) / fair.length) / mean;
  const p50 = percentile(offerLatency, 50);
  const p99 = percentile(offerLatency, 99);
  const refP50 = percentile(reference, 50);
  const refP99 = percentile(reference, 99);
  const fmt = (ms) => `${ms.toFixed(1)} ms`;

  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, Node ${process.version}`,
  );
  console.log(
    `load average (1 min, the whole machine): ${loadAtStart.toFixed(1)} when arrivals started, ${loadavg()[0].toFixed(1)} at the end`,
  );
  console.log(
    `database: ${server.database.kind}${isCluster ? ', two nodes (A in this process, B its own process) sharing it and Redis' : ', one node'}; ${AGENTS} agents (${FAIR_AGENTS} identical), ${QUEUES} queues; setup ${setupSeconds.toFixed(0)} s`,
  );
  console.log(
    `load: ${chatIndex} chats (${CHATS_PER_S}/s) and ${callCount} calls (${CALLS_PER_S}/s) over ${arrivalSeconds.toFixed(1)} s; handle ${HANDLE_MS[0]}–${HANDLE_MS[1]} ms`,
  );
  console.log(
    `arrival -> offer at the agent's socket: p50 ${fmt(p50)}, p99 ${fmt(p99)} (${offerLatency.length} samples)`,
  );
  console.log(
    `reference (INSERT … RETURNING in a transaction + one Socket.IO emit): p50 ${fmt(refP50)}, p99 ${fmt(refP99)} (${reference.length} samples)`,
  );
  console.log(`offer p99 / reference p99: ${(p99 / refP99).toFixed(2)} (target ≤ 3)`);
  console.log(
    `decisions: ${((assignedDuring + offersDuring) / arrivalSeconds).toFixed(1)}/s (${assignedDuring} assignments, ${offersDuring} offers)`,
  );
  console.log(
    `double offers: ${doubleOffers.n}, double accepts: ${doubleAccepts.n}, double assignments at sockets: ${doubleAssignedAtSockets}`,
  );
  console.log(`lost: ${lost}; still waiting or served after the ${DRAIN_MS / 1000} s drain: ${stillLive}`);
  console.log(
    `fairness (identical agents, longest_idle): items per agent ${Math.min(...fair)}–${Math.max(...fair)}, mean ${mean.toFixed(1)}, CV ${cv.toFixed(3)} (target ≤ 0.10)`,
  );
  for (const timer of timers) clearTimeout(timer);
  for (const agent of agents) agent.socket.disconnect();
} finally {
  if (nodeB && nodeB.exitCode === null) {
    nodeB.kill('SIGTERM');
    await new Promise((resolve) => nodeB.once('exit', resolve));
  }
  await server.close();
  redisChild?.kill('SIGTERM');
  await dropDatabase().catch((error) => console.error('database not dropped:', error.message));
  rmSync(dir, { recursive: true, force: true });
}

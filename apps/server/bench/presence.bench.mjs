// npm run bench:presence: BENCH_AGENTS (10,000) agents connected over Socket.IO. Prints
// the server's CPU as a share of one core over BENCH_WINDOW_S (60) seconds with the agents
// connected as the console is (ADR 27: no application heartbeat over an open socket; the
// server's Engine.IO pings, SOCKET_PING_INTERVAL_SECONDS, prove them alive; the presence
// tick), then over as long with each also sending the socket `heartbeat` every
// BENCH_PERIOD_S (30) seconds as API clients and older consoles do (phases spread evenly),
// alternating BENCH_ROUNDS (3) times; figures are medians. Per window also the CPU per
// ping and per heartbeat, the garbage collections and the heap. The server (bench/presence-target.mjs) runs on CPU 0 and the agents
// (bench/presence-clients.mjs) on CPU 1 when there are two CPUs. Bounded: every window
// has its length, and a size that does not fit the open-file limit is refused up front.
import { execFileSync, fork } from 'node:child_process';
import os from 'node:os';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const PERIOD_MS = Number(process.env.BENCH_PERIOD_S ?? 30) * 1000;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_S ?? 60) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NPROC = os.availableParallelism();
const PINNED = process.env.BENCH_PIN !== '0' && NPROC >= 2 && hasTaskset();

function hasTaskset() {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fileLimit() {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  } catch {
    return Infinity;
  }
}

function start(script, cpu) {
  const child = fork(new URL(script, import.meta.url), [], {
    ...(PINNED ? { execPath: 'taskset', execArgv: ['-c', String(cpu), process.execPath] } : {}),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_AGENTS: String(AGENTS) },
  });
  const next = (type) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`${script} exited with ${code}`));
      const onMessage = (m) => {
        if (m?.type === 'error') reject(new Error(`${script}: ${m.message}`));
        if (m?.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      if (child.exitCode !== null || !child.connected) return resolve();
      child.send({ type: 'stop' });
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    });
  return { child, next, stop };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const cpu = os.cpus();
console.log(
  `bench:presence  ${new Date().toISOString()}  node ${process.version}  ${os.platform()} ${os.release()}\n` +
    `machine: ${cpu.length} x ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, nproc ${NPROC}, ` +
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (shared machine: figures are noisy)\n` +
    `${AGENTS} agents; ${ROUNDS} rounds of ${WINDOW_MS / 1000} s connected (the console's wire: pings only) ` +
    `and ${WINDOW_MS / 1000} s with a socket heartbeat every ${PERIOD_MS / 1000} s each; ` +
    `${PINNED ? 'server on CPU 0, agents on CPU 1' : 'unpinned'}`,
);
if (fileLimit() < AGENTS + 500) {
  console.log(`skipped: the open-file limit (${fileLimit()}) is below ${AGENTS + 500}; raise it with ulimit -n`);
  process.exit(0);
}

// BENCH_REFERENCE=1: a bare Socket.IO server answering the same heartbeats instead (the floor).
const IS_REFERENCE = process.env.BENCH_REFERENCE === '1';
console.log(IS_REFERENCE ? 'target: the bare Socket.IO reference (presence-reference.mjs)' : 'target: Switchboard');
const server = start(IS_REFERENCE ? './presence-reference.mjs' : './presence-target.mjs', 0);
// BENCH_CLIENT_PROCS (1) processes share the agents, all on CPU 1 when pinned.
const CLIENT_PROCS = Math.max(1, Number(process.env.BENCH_CLIENT_PROCS ?? 1));
const clientProcs = Array.from({ length: CLIENT_PROCS }, () => start('./presence-clients.mjs', 1));
const fromClients = (type) => Promise.all(clientProcs.map((c) => c.next(type)));
const measure = async (during, profile) => {
  const cpuReport = server.next('cpu');
  server.child.send({ type: 'window', isOpen: true, profile });
  const result = await during();
  server.child.send({ type: 'window', isOpen: false });
  const { ms, userMs, systemMs, wallMs, gc, heapMb } = await cpuReport;
  return {
    share: ms / wallMs,
    ms,
    wallMs,
    userShare: userMs / wallMs,
    systemShare: systemMs / wallMs,
    gc,
    heapMb,
    result,
  };
};
const pct = (share) => `${(100 * share).toFixed(1)} %`;
const gcText = ({ gc, heapMb }) =>
  `GC ${Object.entries(gc)
    .map(([kind, { count, ms }]) => `${kind} ${count}× ${ms.toFixed(0)} ms`)
    .join(', ')}; heap ${heapMb.toFixed(0)} MB`;
try {
  const setupStarted = performance.now();
  const [ready] = await Promise.all([server.next('ready'), fromClients('ready')]);
  console.log(`seeded (agents, sessions, tokens) in ${((performance.now() - setupStarted) / 1000).toFixed(0)} s`);
  // The connect burst, measured apart from the steady state: every agent's handshake
  // (token and session check) and the presence write of its first socket.
  const burst = await measure(async () => {
    clientProcs.forEach((c, i) =>
      c.child.send({
        type: 'connect',
        port: ready.port,
        tokens: ready.tokens.filter((_, n) => n % CLIENT_PROCS === i),
      }),
    );
    await fromClients('connected');
    // The connections' own writes settle inside the burst, not in the first window.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }, 'connect');
  console.log(
    `connect burst: ${AGENTS} sockets in ${((burst.wallMs - 10_000) / 1000).toFixed(1)} s (+10 s settling), ` +
      `server CPU ${(burst.ms / 1000).toFixed(1)} s (${pct(burst.share)} of a core over the burst), ` +
      `${((1000 * burst.ms) / AGENTS).toFixed(0)} µs a connection`,
  );
  const silent = [];
  const beating = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const idle = await measure(
      () => new Promise((resolve) => setTimeout(resolve, WINDOW_MS)),
      round === 0 ? 'silent' : undefined,
    );
    silent.push(idle.share);
    const beats = await measure(
      async () => {
        for (const c of clientProcs) c.child.send({ type: 'heartbeat', periodMs: PERIOD_MS, durationMs: WINDOW_MS });
        return fromClients('heartbeats');
      },
      round === 0 ? 'heartbeating' : undefined,
    );
    beating.push(beats.share);
    const sum = (key) => beats.result.reduce((total, r) => total + r[key], 0);
    const codes = {};
    for (const r of beats.result) for (const [code, n] of Object.entries(r.codes)) codes[code] = (codes[code] ?? 0) + n;
    const refused = sum('refused');
    const worst = (key) => Math.max(...beats.result.map((r) => r[key]));
    // Everything the server did in the connected window, spread over its pings: an upper bound.
    const pings = (AGENTS * idle.wallMs) / ready.pingIntervalMs;
    const perBeatUs = (1000 * (beats.ms - (idle.ms * beats.wallMs) / idle.wallMs)) / Math.max(1, sum('sent'));
    console.log(
      `  round ${round + 1}: connected ${pct(idle.share)} of a core (user ${pct(idle.userShare)}, system ${pct(idle.systemShare)}; ` +
        `${((1000 * idle.ms) / pings).toFixed(0)} µs of CPU per ping, ${Math.round(pings)} pings; ${gcText(idle)}); ` +
        `with heartbeats ${pct(beats.share)} (user ${pct(beats.userShare)}, system ${pct(beats.systemShare)}; ` +
        `${perBeatUs.toFixed(0)} µs per heartbeat over the connected window; ${gcText(beats)}) ` +
        `(${sum('sent')} heartbeats, ${sum('acked')} acknowledged, ${refused} refused or unanswered` +
        `${refused ? `: ${JSON.stringify(codes)}` : ''}; ack p50 ${worst('p50Ms')} ms, p99 ${worst('p99Ms')} ms; ` +
        `agents' process CPU ${beats.result.map((r) => pct(r.cpuShare)).join(', ')}; load ${os.loadavg()[0].toFixed(2)})`,
    );
  }
  console.log(
    `\nmedians of ${ROUNDS} rounds, load average now ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}:\n` +
      `${AGENTS} agents: server CPU ${pct(median(silent))} of one core connected as the console is ` +
      `(pings every ${ready.pingIntervalMs / 1000} s; target < 5 %), ${pct(median(beating))} with a socket ` +
      `heartbeat every ${PERIOD_MS / 1000} s each`,
  );
} finally {
  await Promise.all([...clientProcs.map((c) => c.stop()), server.stop()]);
}

// npm run bench:http: requests per second and p99 at BENCH_CONNECTIONS (50) connections,
// the real server against a bare reference, alternating round by round in one run:
// (a) GET /health against a bare Fastify route;
// (b) the authenticated list routes (GET /api/users?limit=20 and the inbox's
//     GET /api/conversations?limit=30, as the admin) against a bare Fastify handler issuing
//     the same SQL: the statements the real route issued on a warm request, recorded by
//     the target at the driver, replayed with node-postgres (a pool of 10, the server's
//     default) on DATABASE_URL, or on the same PGlite instance on the embedded default.
// The load generator is autocannon, in this process; the targets (bench/http-target.mjs,
// compiled server) in their own. With two or more CPUs the targets run on CPU 0 and this
// generator on CPU 1 (taskset; BENCH_PIN=0 leaves placement to the scheduler). Every load
// is bounded in time (BENCH_SECONDS a round, BENCH_ROUNDS rounds); each figure is the
// median of the rounds. The ratios are also given paired: the two sides of one round run
// back to back, so a round's ratio is taken within the round, and the median of those is
// printed with their range (how far single rounds spread). A run's processes keep their own
// speed for the whole run, so compare several runs, not one.
// BENCH_PROF=1 writes CPU profiles of the targets to /tmp/httpprof.
import { execFileSync, fork } from 'node:child_process';
import os from 'node:os';
import autocannon from 'autocannon';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'health,users,conversations').split(',');
const PATHS = { health: '/health', users: '/api/users?limit=20', conversations: '/api/conversations?limit=30' };

function canPin() {
  if (process.env.BENCH_PIN === '0' || os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const NPROC = os.availableParallelism(); // before pinning narrows it
const PINNED = canPin();

function startTarget(mode) {
  const profile = process.env.BENCH_PROF
    ? ['--cpu-prof', '--cpu-prof-interval=200', '--cpu-prof-dir=/tmp/httpprof']
    : [];
  const child = fork(new URL('./http-target.mjs', import.meta.url), [mode], {
    ...(PINNED ? { execPath: 'taskset', execArgv: ['-c', '0', process.execPath, ...profile] } : { execArgv: profile }),
    // The server's request log goes where a production log would, out of the process:
    // here to /dev/null, so its cost is the server's and not a terminal's.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (m) => {
        if (m?.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code) => reject(new Error(`target ${mode} exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.send({ type: 'stop' });
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  return { child, next, stop };
}

function load(port, path, token, seconds) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${path}`,
        connections: CONNECTIONS,
        duration: seconds,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

/**
 * Waits until the target has worked through what the last load left queued (requests
 * autocannon stopped waiting for still run): one more request of the same kind is
 * answered, or 60 s pass. On PGlite a backlog of slow queries would otherwise be charged
 * to the next window.
 */
async function settle(port, path, token) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 60_000);
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: controller.signal,
    });
    await response.arrayBuffer();
  } catch {
    // Not settled within 60 s: measured anyway, the figure will show it.
  } finally {
    clearTimeout(timer);
  }
}

// Tenths of a µs where a request costs tens of µs (GET /health): the steps compared are ≈ 1 µs.
const formatUs = (us) => (us < 100 ? us.toFixed(1) : us.toFixed(0));

// The middle value; of an even count, the mean of the two middle ones.
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
};
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const cpu = os.cpus();
console.log(
  `bench:http  ${new Date().toISOString()}  node ${process.version}  ${os.platform()} ${os.release()}\n` +
    `machine: ${cpu.length} x ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `nproc ${NPROC}, load average ${loadAverage()} ` +
    `(shared machine: figures are noisy)\n` +
    `targets ${PINNED ? 'on CPU 0, autocannon on CPU 1' : 'unpinned'}; ${CONNECTIONS} connections, ` +
    `${ROUNDS} rounds of ${SECONDS} s (+${WARMUP_SECONDS} s warm-up) per target and route, alternating`,
);

const server = startTarget('server');
const ready = await server.next('ready');
const database = ready.database;
const bare = startTarget('bare');
bare.child.send({ type: 'sql', recorded: ready.recorded });
const bareReady = await bare.next('ready');
console.log(`database: ${database === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (embedded)'}`);
for (const [name, statements] of Object.entries(ready.recorded)) {
  console.log(`SQL of ${PATHS[name]} (warm request, replayed by the reference):`);
  for (const { text } of statements) console.log(`  ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
}

// PGlite: the reference lives in the server's process (one PGlite directory opens in one
// process only); the /health reference is always the separate bare process.
const referencePort = (scenario) => (scenario !== 'health' && ready.barePort ? ready.barePort : bareReady.port);
const results = {};
const pairedRatios = {};
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const scenario of SCENARIOS) {
      const path = PATHS[scenario];
      const token = scenario === 'health' ? undefined : ready.token;
      // Alternate which side goes first, round by round.
      const order = round % 2 === 0 ? ['switchboard', 'reference'] : ['reference', 'switchboard'];
      for (const side of order) {
        const port = side === 'switchboard' ? ready.port : referencePort(scenario);
        await settle(port, path, token);
        await load(port, path, token, WARMUP_SECONDS);
        // The CPU the serving process spent over the window: on a busy machine, CPU per
        // request is the steadier figure (requests per second depend on what else runs).
        const owner = side === 'switchboard' || (scenario !== 'health' && ready.barePort) ? server : bare;
        owner.child.send({ type: 'window', isOpen: true, label: `${scenario}/${side}` });
        const result = await load(port, path, token, SECONDS);
        const cpuReport = owner.next('cpu');
        owner.child.send({ type: 'window', isOpen: false });
        const cpuUs = ((await cpuReport).ms * 1000) / Math.max(1, result.requests.total);
        const bad = result.non2xx + result.errors + result.timeouts;
        if (bad > 0) throw new Error(`${side} ${path}: ${bad} failed requests (non-2xx ${result.non2xx})`);
        // A route that answers nothing in the window (a query slower than the window) is
        // reported as 0 req/s, not dropped: the figure is the finding.
        const entry = (results[`${scenario}/${side}`] ??= { rps: [], p50: [], p99: [], cpuUs: [] });
        // Answers over the window's measured length (autocannon's per-second mean would drop
        // the last part-second of a short window).
        const rps = result.requests.total / result.duration;
        entry.cpuUs.push(cpuUs);
        entry.rps.push(rps);
        entry.p50.push(result.latency.p50);
        entry.p99.push(result.latency.p99);
        console.log(
          `  round ${round + 1} ${scenario.padEnd(13)} ${side.padEnd(11)} ` +
            `${rps.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  ` +
            `CPU ${formatUs(cpuUs)} µs/request`,
        );
      }
      // This round's ratios, from its two back-to-back windows.
      const s = results[`${scenario}/switchboard`];
      const r = results[`${scenario}/reference`];
      const paired = (pairedRatios[scenario] ??= { rps: [], cpu: [] });
      paired.rps.push(s.rps.at(-1) / r.rps.at(-1));
      paired.cpu.push(r.cpuUs.at(-1) / s.cpuUs.at(-1));
      console.log(
        `  round ${round + 1} ${scenario.padEnd(13)} ratio ${paired.rps.at(-1).toFixed(2)}x req/s, ` +
          `${paired.cpu.at(-1).toFixed(2)}x CPU; load average ${loadAverage()}`,
      );
    }
  }
} finally {
  await Promise.all([server.stop(), bare.stop()]);
}

console.log(
  `\nmedians of ${ROUNDS} rounds, ${CONNECTIONS} connections, ${database}; load average now ${loadAverage()}`,
);
console.log(
  'route                          switchboard req/s  p99 ms  CPU µs/req | reference req/s  p99 ms  CPU µs/req | ratio req/s, CPU',
);
for (const scenario of SCENARIOS) {
  const s = results[`${scenario}/switchboard`];
  const r = results[`${scenario}/reference`];
  const ratio = median(s.rps) / median(r.rps);
  console.log(
    `${PATHS[scenario].padEnd(30)} ${median(s.rps).toFixed(0).padStart(17)} ${String(median(s.p99)).padStart(7)} ${formatUs(median(s.cpuUs)).padStart(11)} | ` +
      `${median(r.rps).toFixed(0).padStart(15)} ${String(median(r.p99)).padStart(7)} ${formatUs(median(r.cpuUs)).padStart(11)} | ` +
      `${ratio.toFixed(2)}x, ${(median(r.cpuUs) / median(s.cpuUs)).toFixed(2)}x`,
  );
}
const range = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
console.log('paired, per round (switchboard / reference in the same round): median (range)');
for (const scenario of SCENARIOS) {
  const { rps, cpu } = pairedRatios[scenario];
  console.log(
    `${PATHS[scenario].padEnd(30)} req/s ${median(rps).toFixed(2)}x (${range(rps)}), ` +
      `CPU ${median(cpu).toFixed(2)}x (${range(cpu)})`,
  );
}

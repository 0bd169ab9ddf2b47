// npm run bench:realtime: BENCH_SIZES (1000,5000) connected consoles on 127.0.0.1
// receiving company events, Switchboard's Socket.IO fan-out against a plain `ws`
// broadcast of the same envelopes, alternating round by round in one run. A round is
// BENCH_EVENTS (20) events, BENCH_INTERVAL_MS (100) apart; a client's delivery time is
// its receipt time minus the event's `sent_at`, taken before the publish (so Switchboard's
// figure includes appending the event to the event log). Prints delivery p50/p99, events
// lost (expected minus received per client and event, 0 wanted) and the target's CPU over
// the publishing window; each figure is the median of BENCH_ROUNDS (5) rounds. The targets
// (bench/realtime-target.mjs) run on CPU 0 and the clients (bench/realtime-clients.mjs)
// on CPU 1 when there are two CPUs. A size whose sockets do not fit the file-descriptor
// limit is skipped with a line saying so. Every round is bounded in time.
import { execFileSync, fork } from 'node:child_process';
import os from 'node:os';

const SIZES = (process.env.BENCH_SIZES ?? '1000,5000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 100);
const DRAIN_MS = 15_000;
const PINNED = process.env.BENCH_PIN !== '0' && os.cpus().length >= 2 && hasTaskset();

function hasTaskset() {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The soft limit of open files this process (and its children) may have. */
function fileLimit() {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  } catch {
    return Infinity;
  }
}

function start(script, args, cpu) {
  const child = fork(new URL(script, import.meta.url), args, {
    ...(PINNED ? { execPath: 'taskset', execArgv: ['-c', String(cpu), process.execPath] } : {}),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
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
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    });
  return { child, next, stop };
}

const median = (values) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

const cpu = os.cpus();
console.log(
  `bench:realtime  ${new Date().toISOString()}  node ${process.version}  ${os.platform()} ${os.release()}\n` +
    `machine: ${cpu.length} x ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `nproc ${os.availableParallelism()}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} ` +
    `(shared machine: figures are noisy)\n` +
    `${PINNED ? 'targets on CPU 0, clients on CPU 1' : 'unpinned'}; ${ROUNDS} rounds of ${EVENTS} company events ` +
    `${INTERVAL_MS} ms apart per size and side, alternating; open-file limit ${fileLimit()}`,
);

const summary = [];
for (const size of SIZES) {
  // Each client process holds `size` sockets, each target as many, plus some for itself.
  if (fileLimit() < size + 200) {
    console.log(
      `size ${size}: skipped, the open-file limit (${fileLimit()}) is below ${size + 200}; raise it with ulimit -n`,
    );
    continue;
  }
  const sides = {
    switchboard: {
      target: start('./realtime-target.mjs', ['server'], 0),
      clients: start('./realtime-clients.mjs', ['socketio'], 1),
    },
    ws: { target: start('./realtime-target.mjs', ['ws'], 0), clients: start('./realtime-clients.mjs', ['ws'], 1) },
  };
  try {
    for (const [name, side] of Object.entries(sides)) {
      const [ready] = await Promise.all([side.target.next('ready'), side.clients.next('ready')]);
      const started = performance.now();
      side.clients.child.send({ type: 'connect', port: ready.port, tokens: ready.tokens, n: size });
      await side.clients.next('connected');
      console.log(`  ${name}: ${size} clients connected in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      side.results = { p50: [], p99: [], cpuMs: [], lost: 0 };
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? ['switchboard', 'ws'] : ['ws', 'switchboard'];
      for (const name of order) {
        const side = sides[name];
        side.clients.child.send({ type: 'round', events: EVENTS, timeoutMs: DRAIN_MS });
        await side.clients.next('listening');
        side.target.child.send({ type: 'publish', events: EVENTS, intervalMs: INTERVAL_MS });
        const roundResult = side.clients.next('round');
        const published = await side.target.next('published');
        // What is not received DRAIN_MS after the last publish is lost.
        side.clients.child.send({ type: 'drain', ms: DRAIN_MS });
        const result = await roundResult;
        const lost = result.expected - result.received;
        side.results.p50.push(result.p50);
        side.results.p99.push(result.p99);
        side.results.cpuMs.push(published.cpuMs);
        side.results.lost += lost;
        console.log(
          `  size ${size} round ${round + 1} ${name.padEnd(11)} p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms  ` +
            `max ${result.max.toFixed(1)} ms  lost ${lost}  CPU ${published.cpuMs.toFixed(0)} ms over ${published.wallMs.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    await Promise.all(Object.values(sides).flatMap((side) => [side.target.stop(), side.clients.stop()]));
  }
  const s = sides.switchboard.results;
  const w = sides.ws.results;
  summary.push(
    `${String(size).padStart(5)} consoles  switchboard p50 ${median(s.p50).toFixed(1)} p99 ${median(s.p99).toFixed(1)} ms ` +
      `CPU ${median(s.cpuMs).toFixed(0)} ms, lost ${s.lost} | ws p50 ${median(w.p50).toFixed(1)} p99 ${median(w.p99).toFixed(1)} ms ` +
      `CPU ${median(w.cpuMs).toFixed(0)} ms, lost ${w.lost} | p99 ratio ${(median(s.p99) / median(w.p99)).toFixed(2)}x`,
  );
}
console.log(
  `\nmedians of ${ROUNDS} rounds (${EVENTS} events each); load average now ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const line of summary) console.log(line);

// npm run bench:presence: BENCH_AGENTS (10,000) agents connected over Socket.IO, each
// sending the `heartbeat` event every BENCH_PERIOD_S (30) seconds, phases spread evenly.
// Prints the server's CPU as a share of one core over BENCH_WINDOW_S (60) seconds with the
// agents connected and silent (Socket.IO's pings, the presence sweeper's node refresh),
// then over as long with the heartbeats, alternating BENCH_ROUNDS (3) times; figures are
// medians. The server (bench/presence-target.mjs) runs on CPU 0 and the agents
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
    `${AGENTS} agents, a heartbeat every ${PERIOD_MS / 1000} s each; ${ROUNDS} rounds of ${WINDOW_MS / 1000} s silent ` +
    `and ${WINDOW_MS / 1000} s heartbeating; ${PINNED ? 'server on CPU 0, agents on CPU 1' : 'unpinned'}`,
);
if (fileLimit() < AGENTS + 500) {
  console.log(`skipped: the open-file limit (${fileLimit()}) is below ${AGENTS + 500}; raise it with ulimit -n`);
  process.exit(0);
}

const server = start('./presence-target.mjs', 0);
const agents = start('./presence-clients.mjs', 1);
const measure = async (during) => {
  const cpuReport = server.next('cpu');
  server.child.send({ type: 'window', isOpen: true });
  const result = await during();
  server.child.send({ type: 'window', isOpen: false });
  const { ms, wallMs } = await cpuReport;
  return { share: ms / wallMs, result };
};
try {
  const setupStarted = performance.now();
  const [ready] = await Promise.all([server.next('ready'), agents.next('ready')]);
  agents.child.send({ type: 'connect', port: ready.port, tokens: ready.tokens });
  await agents.next('connected');
  console.log(
    `setup (agents and sessions seeded, tokens signed, sockets connected) in ${((performance.now() - setupStarted) / 1000).toFixed(0)} s`,
  );
  // The connections' own writes settle before anything is measured.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const silent = [];
  const beating = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, WINDOW_MS)));
    silent.push(idle.share);
    const beats = await measure(async () => {
      agents.child.send({ type: 'heartbeat', periodMs: PERIOD_MS, durationMs: WINDOW_MS });
      return agents.next('heartbeats');
    });
    beating.push(beats.share);
    const { sent, acked, refused, codes } = beats.result;
    console.log(
      `  round ${round + 1}: silent ${(100 * idle.share).toFixed(1)} % of a core; heartbeating ${(100 * beats.share).toFixed(1)} % ` +
        `(${sent} heartbeats, ${acked} acknowledged, ${refused} refused or unanswered` +
        `${refused ? `: ${JSON.stringify(codes)}` : ''})`,
    );
  }
  console.log(
    `\nmedians of ${ROUNDS} rounds, load average now ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}:\n` +
      `${AGENTS} agents: server CPU ${(100 * median(beating)).toFixed(1)} % of one core while heartbeating ` +
      `(${(100 * median(silent)).toFixed(1)} % connected and silent); target < 5 %`,
  );
} finally {
  await Promise.all([agents.stop(), server.stop()]);
}

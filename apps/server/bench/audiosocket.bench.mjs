// npm run bench:audiosocket: N simulated Asterisk connections (UUID frame, then 320-byte
// slin frames every 20 ms, calls spread evenly over the 20 ms period) against the
// AudioSocket server in echo mode and, alternating in the same run, against a bare
// node:net echo server; then against the server speaking (each session playing a prompt
// through the paced player), for the pacing of the server's own audio. The load generator
// runs here, in its own process, and is kept cheap: no per-frame allocation, no
// Buffer.concat, one loop for every connection.
import { execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';

const NS = (process.env.BENCH_N ?? '100,250,500,1000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_MS = 2000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 6000);
// An echo that is not back within LOST_AFTER_MS of its send is lost; one that is back later
// than LATE_MS is late. The drain after the window and the ring of send times both cover
// LOST_AFTER_MS, so a slow echo is counted late, not lost.
const LOST_AFTER_MS = 3000;
const DRAIN_MS = LOST_AFTER_MS;
const FRAME_MS = 20;
const PAYLOAD = 320;
const FRAME = 3 + PAYLOAD;
const RING = 64; // frame buffers a connection cycles through (1.28 s of frames)
const TRACK = Math.ceil(LOST_AFTER_MS / 20) + 10; // send times kept per connection
const MAGIC = 0xa5c3;
const LATE_MS = 60;

// With two or more CPUs the target runs on CPU 0 and this generator on CPU 1 (taskset), so
// the two never take turns on one core and a stall of one does not read as the other's.
// BENCH_PIN=0 leaves placement to the scheduler.
function canPin() {
  if (process.env.BENCH_PIN === '0' || os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const PINNED = canPin();

function uuidFrame(uuid) {
  const frame = Buffer.alloc(19);
  frame[0] = 0x01;
  frame.writeUInt16BE(16, 1);
  Buffer.from(uuid.replaceAll('-', ''), 'hex').copy(frame, 3);
  return frame;
}

// Every connection reads into this one buffer (net.connect's `onread`), so the generator
// does not allocate a buffer per read either: the callback runs to completion before the
// next read, and the parser below keeps nothing of a chunk but 6 bytes.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** One simulated Asterisk channel. */
class Connection {
  constructor(index, phaseMs) {
    this.index = index;
    this.phaseMs = phaseMs;
    this.frames = Array.from({ length: RING }, () => {
      const frame = Buffer.alloc(FRAME);
      frame[0] = 0x10;
      frame.writeUInt16BE(PAYLOAD, 1);
      frame.writeUInt16LE(MAGIC, 3);
      // Quiet noise after the header so the payload is not all zero.
      for (let i = 9; i < FRAME; i += 2) frame.writeInt16LE(((i * 37) % 200) - 100, i);
      return frame;
    });
    this.sentAt = new Float64Array(TRACK);
    this.sentSeq = new Int32Array(TRACK).fill(-1);
    this.seq = 0;
    // Receive state: parsed without copying, only the 6 bytes after the header matter.
    this.state = 0; // 0 header, 1 payload
    this.header = Buffer.alloc(3);
    this.headerFill = 0;
    this.kind = 0;
    this.remaining = 0;
    this.payloadRead = 0;
    this.mark = Buffer.alloc(6);
  }

  connect(port, onFrameBack) {
    return new Promise((resolve, reject) => {
      this.socket = net.connect(
        {
          port,
          host: '127.0.0.1',
          onread: { buffer: READ_BUFFER, callback: (length, buffer) => this.onData(buffer, length, onFrameBack) },
        },
        () => {
          this.socket.setNoDelay(true);
          this.socket.write(uuidFrame(randomUUID()));
          resolve();
        },
      );
      this.socket.once('error', reject);
    });
  }

  send(now) {
    const frame = this.frames[this.seq % RING];
    const slot = this.seq % TRACK;
    frame.writeUInt32LE(this.seq, 5);
    this.sentAt[slot] = now;
    this.sentSeq[slot] = this.seq;
    this.seq += 1;
    this.socket.write(frame);
  }

  onData(chunk, length, onFrameBack) {
    let at = 0;
    while (at < length) {
      if (this.state === 0) {
        while (this.headerFill < 3 && at < length) this.header[this.headerFill++] = chunk[at++];
        if (this.headerFill < 3) return;
        this.headerFill = 0;
        this.kind = this.header[0];
        this.remaining = this.header.readUInt16BE(1);
        this.payloadRead = 0;
        this.state = this.remaining > 0 ? 1 : 0;
        continue;
      }
      const take = Math.min(this.remaining, length - at);
      for (let i = 0; i < take && this.payloadRead + i < 6; i += 1) this.mark[this.payloadRead + i] = chunk[at + i];
      this.payloadRead += take;
      this.remaining -= take;
      at += take;
      if (this.remaining === 0) {
        this.state = 0;
        if (this.kind === 0x10 && this.mark.readUInt16LE(0) === MAGIC) onFrameBack(this, this.mark.readUInt32LE(2));
      }
    }
  }
}

function startTarget(mode) {
  // BENCH_PROF=1 profiles each target (CPU profiles in /tmp/asprof); BENCH_TARGET_FLAGS adds
  // Node flags to the targets only (e.g. --trace-gc).
  const profile = [
    ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-interval=50', '--cpu-prof-dir=/tmp/asprof'] : []),
    ...(process.env.BENCH_TARGET_FLAGS?.split(' ').filter(Boolean) ?? []),
  ];
  const child = fork(new URL('./audiosocket-target.mjs', import.meta.url), [mode], {
    // The target runs the compiled server (dist/), as production does.
    ...(PINNED ? { execPath: 'taskset', execArgv: ['-c', '0', process.execPath, ...profile] } : { execArgv: profile }),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type) => new Promise((resolve) => child.once('message', (m) => m.type === type && resolve(m)));
  return { child, next };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function runOnce(mode, n) {
  const target = startTarget(mode);
  const { port } = await target.next('ready');
  const connections = Array.from({ length: n }, (_, i) => new Connection(i, (i * FRAME_MS) / n));
  const turnarounds = new Float64Array(n * Math.ceil((MEASURE_MS + DRAIN_MS) / FRAME_MS) + 1000);
  let turnaroundCount = 0;
  let measuring = false;
  let measureFrom = -1;
  let measureTo = Infinity;
  let echoed = 0;
  const echoedSeqs = connections.map(
    () => new Uint8Array(Math.ceil((WARMUP_MS + MEASURE_MS + DRAIN_MS) / FRAME_MS) + 200),
  );
  const onFrameBack = (connection, seq) => {
    const slot = seq % TRACK;
    if (connection.sentSeq[slot] !== seq) return;
    const sentAt = connection.sentAt[slot];
    if (seq < echoedSeqs[connection.index].length) echoedSeqs[connection.index][seq] = 1;
    if (measuring && sentAt >= measureFrom && sentAt < measureTo) {
      turnarounds[turnaroundCount++] = performance.now() - sentAt;
      echoed += 1;
    }
  };
  for (let i = 0; i < n; i += 50) {
    await Promise.all(connections.slice(i, i + 50).map((c) => c.connect(port, onFrameBack)));
  }
  // One timer drives every connection: each has a fixed phase in the 20 ms period and
  // absolute deadlines (start + phase + k x 20 ms). Lateness of the generator is recorded.
  const start = performance.now() + 50;
  const due = connections.map((c) => start + c.phaseMs);
  const order = connections.map((_, i) => i); // phases ascending already
  let cursor = 0;
  let sending = true;
  const generatorLag = [];
  const firstSeqInWindow = new Int32Array(n).fill(-1);
  const lastSeqInWindow = new Int32Array(n).fill(-1);
  // Pinned to its own CPU the generator polls (setImmediate) instead of sleeping on 1 ms
  // timers, so its sends are on time to a fraction of a millisecond; unpinned it must not
  // spin, it would take the target's CPU.
  const next = PINNED
    ? () => setImmediate(tick)
    : () => setTimeout(tick, Math.max(0, Math.min(1, due[order[cursor]] - performance.now())));
  const tick = () => {
    if (!sending) return;
    const now = performance.now();
    for (let visited = 0; visited < n; visited += 1) {
      const index = order[cursor];
      if (due[index] > now) break;
      const connection = connections[index];
      if (measuring && now >= measureFrom && now < measureTo) {
        if (firstSeqInWindow[index] < 0) firstSeqInWindow[index] = connection.seq;
        lastSeqInWindow[index] = connection.seq;
        if ((connection.seq & 7) === 0) generatorLag.push(now - due[index]);
      }
      connection.send(now);
      due[index] += FRAME_MS;
      cursor = (cursor + 1) % n;
    }
    next();
  };
  tick();
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  measuring = true;
  measureFrom = performance.now();
  measureTo = measureFrom + MEASURE_MS;
  target.child.send({ type: 'start' });
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const statsPromise = target.next('stats');
  target.child.send({ type: 'stop' });
  const stats = await statsPromise;
  await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
  sending = false;
  measuring = false;
  let sent = 0;
  let lost = 0;
  for (let i = 0; i < n; i += 1) {
    if (firstSeqInWindow[i] < 0) continue;
    for (let seq = firstSeqInWindow[i]; seq <= lastSeqInWindow[i]; seq += 1) {
      sent += 1;
      if (!echoedSeqs[i][seq]) lost += 1;
    }
  }
  for (const connection of connections) connection.socket.destroy();
  target.child.send({ type: 'exit' });
  await new Promise((resolve) => target.child.once('exit', resolve));
  const sorted = Array.from(turnarounds.subarray(0, turnaroundCount)).sort((a, b) => a - b);
  const lagSorted = generatorLag.sort((a, b) => a - b);
  let late = 0;
  for (const t of sorted) if (t > LATE_MS) late += 1;
  return {
    mode,
    n,
    sent,
    echoed,
    lost,
    late,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    jitterP50: stats.jitter.p50,
    jitterP99: stats.jitter.p99,
    gridP50: stats.jitter.grid.p50,
    gridP99: stats.jitter.grid.p99,
    cpuPerFrameUs: stats.cpuMicros / Math.max(1, stats.framesIn),
    switchesPerFrame: stats.switches / Math.max(1, stats.framesIn),
    outRate: stats.framesOut / n / (stats.elapsedMs / 1000),
    rssPerCallKb: (stats.rss - stats.baselineRss) / 1024 / n,
    generatorLagP99: percentile(lagSorted, 0.99),
    refused: stats.refused ?? {},
    sessions: stats.sessions,
    outbound: stats.outbound,
    gc: stats.gc,
  };
}

// Each figure of a target at an N is the median of its rounds: on a shared 2-core VM one
// round now and then runs while the host is busy (the generator's own lag shows it), and
// a mean would let that one round decide the ratio. Every round is printed above the table.
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function combine(runs) {
  const keys = [
    'p50',
    'p99',
    'jitterP50',
    'jitterP99',
    'gridP50',
    'gridP99',
    'cpuPerFrameUs',
    'rssPerCallKb',
    'generatorLagP99',
    'outRate',
  ];
  const out = { mode: runs[0].mode, n: runs[0].n, sent: 0, lost: 0, late: 0, echoed: 0 };
  for (const run of runs) {
    out.sent += run.sent;
    out.lost += run.lost;
    out.late += run.late;
    out.echoed += run.echoed;
  }
  for (const key of keys) out[key] = median(runs.map((run) => run[key]));
  return out;
}

const f = (value, digits = 2) => value.toFixed(digits);
const ratio = (a, b) => (b > 0 ? `${f(a / b)}×` : 'n/a');

console.log(
  `# AudioSocket echo benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}`,
);
console.log(
  `# N = ${NS.join(', ')}; rounds ${ROUNDS}; warm-up ${WARMUP_MS} ms, measured ${MEASURE_MS} ms per run; ` +
    `${PINNED ? 'target pinned to CPU 0, generator to CPU 1' : 'not pinned'}; load average at the start: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')}\n`,
);
const results = [];
for (const n of NS) {
  const byMode = { reference: [], server: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which goes first, so drift on the machine hits both.
    const order = round % 2 === 0 ? ['reference', 'server'] : ['server', 'reference'];
    for (const mode of order) {
      const run = await runOnce(mode, n);
      byMode[mode].push(run);
      console.error(
        `  N=${n} ${mode.padEnd(9)} round ${round + 1}: p50 ${f(run.p50)} ms, p99 ${f(run.p99)} ms, ` +
          `lost ${run.lost}/${run.sent}, cpu ${f(run.cpuPerFrameUs)} µs/frame, wakeups ${f(run.switchesPerFrame)}/frame, ` +
          `gc ${run.gc.count} (longest ${f(run.gc.maxMs)} ms ${JSON.stringify(run.gc.kinds)}), generator lag p99 ${f(run.generatorLagP99)} ms` +
          (mode === 'server'
            ? `, sessions ${run.sessions}, refused ${JSON.stringify(run.refused)}, frames out ${JSON.stringify(run.outbound)}`
            : ''),
      );
    }
  }
  const prompt = [];
  for (let round = 0; round < (process.env.BENCH_PROMPT === '0' ? 0 : ROUNDS); round += 1) {
    const run = await runOnce('prompt', n);
    prompt.push(run);
    console.error(
      `  N=${n} prompt    round ${round + 1}: off the grid p50 ${f(run.gridP50)} ms, p99 ${f(run.gridP99)} ms, ` +
        `interval jitter p50 ${f(run.jitterP50)} ms, p99 ${f(run.jitterP99)} ms, ` +
        `${f(run.outRate)} frames/s per call, cpu ${f(run.cpuPerFrameUs)} µs/frame, sessions ${run.sessions}, ` +
        `gc ${run.gc.count} pauses (longest ${f(run.gc.maxMs)} ms), ` +
        `refused ${JSON.stringify(run.refused)}`,
    );
  }
  results.push({
    reference: combine(byMode.reference),
    server: combine(byMode.server),
    prompt: prompt.length > 0 ? combine(prompt) : undefined,
  });
}

console.log(
  `# load average (1, 5, 15 min) at the end: ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(', ')}\n`,
);
console.log(
  '| N | target | turnaround p50 (ms) | p99 (ms) | interval jitter p99 (ms) | lost / sent | late (>60 ms) | CPU µs/frame | RSS KiB/call | generator lag p99 (ms) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const { reference: r, server: s } of results) {
  for (const row of [r, s]) {
    console.log(
      `| ${row.n} | ${row.mode === 'server' ? 'Switchboard (echo)' : 'node:net echo'} | ${f(row.p50)} | ${f(row.p99)} | ` +
        `${f(row.jitterP99)} | ${row.lost} / ${row.sent} | ${row.late} | ${f(row.cpuPerFrameUs)} | ${f(row.rssPerCallKb, 1)} | ${f(row.generatorLagP99)} |`,
    );
  }
  console.log(
    `| ${s.n} | ratio | ${ratio(s.p50, r.p50)} | ${ratio(s.p99, r.p99)} | ${ratio(s.jitterP99, r.jitterP99)} | | | ` +
      `${ratio(s.cpuPerFrameUs, r.cpuPerFrameUs)} | ${ratio(s.rssPerCallKb, r.rssPerCallKb)} | |`,
  );
}

console.log('\nThe server speaking (each session plays a prompt through the paced player):\n');
console.log(
  '| N | off the 20 ms grid p50 (ms) | p99 (ms) | interval jitter p50 (ms) | p99 (ms) | frames/s per call | CPU µs/frame in | RSS KiB/call |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const { prompt: p } of results) {
  if (!p) continue;
  console.log(
    `| ${p.n} | ${f(p.gridP50)} | ${f(p.gridP99)} | ${f(p.jitterP50)} | ${f(p.jitterP99)} | ${f(p.outRate)} | ` +
      `${f(p.cpuPerFrameUs)} | ${f(p.rssPerCallKb, 1)} |`,
  );
}

const verdict = (ok) => (ok ? 'met' : 'MISSED');
console.log('\nTargets (issue 4):\n');
for (const { reference: r, server: s, prompt: p } of results) {
  const checks = [
    `lost ${verdict(s.lost === 0)}`,
    `p50 ${verdict(s.p50 <= 1.3 * r.p50)}`,
    `p99 ${verdict(s.p99 <= 1.3 * r.p99)}`,
    `CPU ${verdict(s.cpuPerFrameUs <= 1.3 * r.cpuPerFrameUs)}`,
    `RSS ${verdict(Math.max(s.rssPerCallKb, p?.rssPerCallKb ?? 0) <= 1024)}`,
  ];
  if (s.n === 500 && p) {
    checks.push(
      `pacing p99 ≤ 2 ms: ${verdict(p.gridP99 <= 2)} off the grid, ${verdict(p.jitterP99 <= 2)} as interval jitter (prompt)`,
    );
  }
  console.log(`- N=${s.n}: ${checks.join('; ')}`);
}

// The process under load, one of:
// - `server`: the AudioSocket server in echo mode, each inbound frame relayed back to its
//   session (`relayAudio`, the path live audio takes);
// - `prompt`: the AudioSocket server speaking: each session plays a 10-second clip through
//   the paced player (`playAudio`, the voice bot's path) while its caller's audio comes in;
// - `reference`: a minimal node:net echo server.
// Each records the time of every socket write, the "server's own send times", in
// preallocated rings.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';

const mode = process.argv[2];
const RING = 1024;
const sendTimes = new Map(); // socket -> { times: Float64Array, count: number }
let recording = false;
let framesOut = 0;

const originalWrite = net.Socket.prototype.write;
net.Socket.prototype.write = function write(chunk, ...rest) {
  if (recording && chunk && chunk.length >= 323) {
    framesOut += 1;
    let entry = sendTimes.get(this);
    if (!entry) {
      entry = { times: new Float64Array(RING), count: 0 };
      sendTimes.set(this, entry);
    }
    entry.times[entry.count % RING] = performance.now();
    entry.count += 1;
  }
  return originalWrite.call(this, chunk, ...rest);
};

/**
 * Two views of the send times of each socket (its last RING sends):
 * - interval: |time between two consecutive sends - 20 ms|; a send 1 ms late counts twice
 *   (the interval before it is long, the one after short);
 * - grid: |send time - its slot on the socket's 20 ms grid|, the grid anchored at the
 *   median offset of the socket's sends: how far each frame left from its deadline.
 */
function pacingJitter() {
  const intervals = [];
  const grid = [];
  for (const { times, count } of sendTimes.values()) {
    const n = Math.min(count, RING);
    const first = count - n;
    for (let k = first + 1; k < count; k += 1) {
      intervals.push(Math.abs(times[k % RING] - times[(k - 1) % RING] - 20));
    }
    if (n < 2) continue;
    const t0 = times[first % RING];
    const offsets = [];
    for (let k = first; k < count; k += 1) {
      const t = times[k % RING] - t0;
      offsets.push(t - 20 * Math.round(t / 20));
    }
    const sorted = [...offsets].sort((a, b) => a - b);
    const anchor = sorted[Math.floor(sorted.length / 2)];
    for (const offset of offsets) grid.push(Math.abs(offset - anchor));
  }
  const summary = (values) => {
    values.sort((a, b) => a - b);
    const at = (q) => (values.length ? values[Math.min(values.length - 1, Math.floor(q * values.length))] : 0);
    return { p50: at(0.5), p99: at(0.99), samples: values.length };
  };
  return { ...summary(intervals), grid: summary(grid) };
}

/** Garbage-collection pauses in the measured window: count, total and longest (ms). */
const gc = { count: 0, totalMs: 0, maxMs: 0, kinds: {} };
new PerformanceObserver((list) => {
  if (!recording) return;
  for (const entry of list.getEntries()) {
    gc.count += 1;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
    const kind = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weak', 16: 'all' }[entry.detail?.kind] ?? 'other';
    gc.kinds[kind] = Math.max(gc.kinds[kind] ?? 0, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

let framesIn = 0;
let closeServer;
let countSessions = () => 0;
let outboundTotals = () => undefined;
/** relayAudio answers other than `sent`, playAudio answers other than `queued`. */
const refused = {};

if (mode === 'reference') {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      framesIn += chunk.length / 323;
      socket.write(chunk);
    });
    socket.on('error', () => undefined);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeServer = () => new Promise((resolve) => server.close(resolve));
  process.send({ type: 'ready', port: server.address().port });
} else {
  const { createAudiosocketServer } = await import('../dist/src/integrations/audiosocket/index.js');
  const server = createAudiosocketServer({ logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
  if (mode === 'prompt') {
    // 10 s of a 440 Hz tone at 8 kHz, one buffer shared by every session (never copied whole).
    const clip = Buffer.alloc(10 * 8000 * 2);
    for (let i = 0; i < clip.length / 2; i += 1)
      clip.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), i * 2);
    server.on('sessionStarted', (session) => {
      const result = server.playAudio(session.callId, session.role, clip);
      if (result.status !== 'queued') refused[result.status] = (refused[result.status] ?? 0) + 1;
    });
    server.on('audioReceived', () => {
      framesIn += 1;
    });
  } else {
    // Echo mode: each inbound frame is relayed back to its own session through the player's
    // relay path, the one live audio takes (written at once when the player is idle, bounded
    // latency otherwise; see audiosocket.player.ts).
    server.on('audioReceived', (event) => {
      framesIn += 1;
      const result = server.relayAudio(event.callId, event.role, event.pcm);
      if (result.status !== 'sent') refused[result.status] = (refused[result.status] ?? 0) + 1;
      if (result.status === 'queued' && result.droppedMs > 0) {
        refused.dropped_ms = (refused.dropped_ms ?? 0) + result.droppedMs;
      }
    });
  }
  const { port } = await server.listen();
  closeServer = () => server.close();
  countSessions = () => server.listSessions().length;
  outboundTotals = () => {
    const totals = { audio: 0, silence: 0, relayed: 0, skipped: 0 };
    for (const { outbound } of server.listSessions()) {
      totals.audio += outbound.audioFrames;
      totals.silence += outbound.silenceFrames;
      totals.relayed += outbound.relayedFrames;
      totals.skipped += outbound.skippedSlots;
    }
    return totals;
  };
  process.send({ type: 'ready', port });
}

const baselineRss = process.memoryUsage().rss;
/** Times the process went to sleep and was woken (Linux); 0 where /proc is not there. */
function switches() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
let switchesAtStart = 0;
let window;

process.on('message', async (message) => {
  // BENCH_PROF=1: each target writes a CPU profile to /tmp/asprof; these marks (µs, the
  // profile's clock) bound the measured window in it.
  if (process.env.BENCH_PROF) console.error(`prof-mark ${message.type} ${process.hrtime.bigint() / 1000n}`);
  if (message.type === 'start') {
    sendTimes.clear();
    recording = true;
    framesIn = 0;
    framesOut = 0;
    Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0, kinds: {} });
    switchesAtStart = switches();
    window = { cpu: process.cpuUsage(), at: performance.now() };
  } else if (message.type === 'stop') {
    recording = false;
    const cpu = process.cpuUsage(window.cpu);
    process.send({
      type: 'stats',
      cpuMicros: cpu.user + cpu.system,
      elapsedMs: performance.now() - window.at,
      framesIn,
      framesOut,
      switches: switches() - switchesAtStart,
      gc: { ...gc },
      rss: process.memoryUsage().rss,
      baselineRss,
      jitter: pacingJitter(),
      refused: { ...refused },
      sessions: countSessions(),
      outbound: outboundTotals(),
    });
  } else if (message.type === 'exit') {
    await closeServer();
    process.exit(0);
  }
});

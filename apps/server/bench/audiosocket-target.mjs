// The process under load: either the AudioSocket server in echo mode (each inbound frame
// handed to playAudio, so it goes out through the real paced player) or a minimal
// node:net echo server, the reference. Both record the time of every socket write, the
// "server's own send times", in preallocated rings.
import net from 'node:net';
import { pino } from 'pino';

const mode = process.argv[2];
const RING = 1024;
const sendTimes = new Map(); // socket -> { times: Float64Array, count: number }
let recording = false;

const originalWrite = net.Socket.prototype.write;
net.Socket.prototype.write = function write(chunk, ...rest) {
  if (recording && chunk && chunk.length >= 323) {
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

/** |interval between consecutive sends - 20 ms| over each socket's last RING sends. */
function pacingJitter() {
  const values = [];
  for (const { times, count } of sendTimes.values()) {
    const n = Math.min(count, RING);
    const first = count - n;
    for (let k = first + 1; k < count; k += 1) {
      values.push(Math.abs(times[k % RING] - times[(k - 1) % RING] - 20));
    }
  }
  values.sort((a, b) => a - b);
  const at = (q) => (values.length ? values[Math.min(values.length - 1, Math.floor(q * values.length))] : 0);
  return { p50: at(0.5), p99: at(0.99), samples: values.length };
}

let framesIn = 0;
let closeServer;
let countSessions = () => 0;
/** playAudio answers other than `queued` (queue_full when the outbound queue passed its bound). */
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
  const { createAudiosocketServer } = await import('../src/integrations/audiosocket/index.js');
  const server = createAudiosocketServer({ logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
  // BENCH_ECHO=bounded plays the echo as a live relay would: when more than two frames
  // wait in a session's queue, the backlog is dropped (stopAudio) before the next frame.
  const isBounded = process.env.BENCH_ECHO === 'bounded';
  const backlogged = new Set();
  server.on('audioReceived', (event) => {
    framesIn += 1;
    if (isBounded && backlogged.has(event.callId)) {
      backlogged.delete(event.callId);
      const { droppedMs } = server.stopAudio(event.callId, event.role);
      refused.dropped_ms = (refused.dropped_ms ?? 0) + (droppedMs ?? 0);
    }
    // The payload is a view of the read buffer: the player keeps its own copy.
    const result = server.playAudio(event.callId, event.role, Buffer.from(event.pcm));
    if (result.status !== 'queued') refused[result.status] = (refused[result.status] ?? 0) + 1;
    else if (isBounded && result.queuedMs > 40) backlogged.add(event.callId);
  });
  const { port } = await server.listen();
  closeServer = () => server.close();
  countSessions = () => server.listSessions().length;
  process.send({ type: 'ready', port });
}

const baselineRss = process.memoryUsage().rss;
let window;

process.on('message', async (message) => {
  if (message.type === 'start') {
    sendTimes.clear();
    recording = true;
    framesIn = 0;
    window = { cpu: process.cpuUsage(), at: performance.now() };
  } else if (message.type === 'stop') {
    recording = false;
    const cpu = process.cpuUsage(window.cpu);
    process.send({
      type: 'stats',
      cpuMicros: cpu.user + cpu.system,
      elapsedMs: performance.now() - window.at,
      framesIn,
      rss: process.memoryUsage().rss,
      baselineRss,
      jitter: pacingJitter(),
      refused: { ...refused },
      sessions: countSessions(),
    });
  } else if (message.type === 'exit') {
    await closeServer();
    process.exit(0);
  }
});

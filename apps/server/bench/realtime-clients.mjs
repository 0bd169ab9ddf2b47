// The consoles of bench:realtime: `socketio` (socket.io-client, the console's library, over
// WebSocket) or `ws` (plain ws clients). Told over IPC to connect N clients, then to
// collect a round of events: each received event's delivery time (now - sent_at, one
// machine, one clock) and which client got which event, so a lost one is counted.
import { io } from 'socket.io-client';
import WebSocket from 'ws';

const kind = process.argv[2];
const now = () => performance.timeOrigin + performance.now();
let clients = [];
let round;

function onEvent(index, data) {
  if (!round || typeof data?.i !== 'number' || data.i >= round.events) return;
  round.latencies.push(now() - data.sent_at);
  round.received[index * round.events + data.i] = 1;
  round.count += 1;
  if (round.count === round.expected) round.done();
}

async function connect({ port, tokens, n }) {
  const url = `http://127.0.0.1:${port}`;
  const opened = [];
  for (let i = 0; i < n; i += 1) {
    opened.push(
      new Promise((resolve, reject) => {
        if (kind === 'socketio') {
          const socket = io(url, {
            transports: ['websocket'],
            auth: { token: tokens[i % tokens.length] },
            reconnection: false,
            forceNew: true,
            timeout: 60_000,
          });
          socket.on('bench_tick', (envelope) => onEvent(i, envelope.data));
          socket.once('connect', () => resolve(socket));
          socket.once('connect_error', reject);
        } else {
          const socket = new WebSocket(`ws://127.0.0.1:${port}`);
          socket.on('message', (raw) => onEvent(i, JSON.parse(raw.toString()).data));
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        }
      }),
    );
    // Handshakes in batches of 100: the server authenticates each.
    if (opened.length % 100 === 0) await Promise.all(opened.slice(-100));
  }
  clients = await Promise.all(opened);
}

process.on('message', async (message) => {
  try {
    if (message.type === 'connect') {
      await connect(message);
      process.send({ type: 'connected', n: clients.length });
    } else if (message.type === 'round') {
      const { events, timeoutMs } = message;
      const expected = clients.length * events;
      const finished = new Promise((resolve) => {
        round = { events, expected, count: 0, latencies: [], received: new Uint8Array(expected), done: resolve };
        // Bounded: `timeoutMs` after the publisher says it is done (`drain`), or at most 10 minutes.
        round.drain = (ms) => setTimeout(resolve, ms);
        setTimeout(resolve, Math.max(timeoutMs, 600_000));
      });
      process.send({ type: 'listening' });
      await finished;
      const { latencies, count } = round;
      round = undefined;
      latencies.sort((a, b) => a - b);
      const at = (q) =>
        latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN;
      process.send({ type: 'round', expected, received: count, p50: at(0.5), p99: at(0.99), max: at(1) });
    } else if (message.type === 'drain') {
      round?.drain(message.ms);
    } else if (message.type === 'stop') {
      for (const client of clients) {
        if (kind === 'socketio') client.close();
        else client.terminate();
      }
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.message ?? error) });
  }
});
process.send({ type: 'ready' });

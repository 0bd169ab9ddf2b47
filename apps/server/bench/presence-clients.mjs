// The agents of bench:presence: one socket.io-client connection each (the console's), told
// over IPC to connect, then to heartbeat (`heartbeat` socket event, acknowledged) every
// periodMs for durationMs, the agents' phases spread evenly over the period.
import { io } from 'socket.io-client';

let sockets = [];
process.on('message', async (message) => {
  try {
    if (message.type === 'connect') {
      const { port, tokens } = message;
      for (let start = 0; start < tokens.length; start += 100) {
        const batch = tokens.slice(start, start + 100).map(
          (token) =>
            new Promise((resolve, reject) => {
              const socket = io(`http://127.0.0.1:${port}`, {
                transports: ['websocket'],
                auth: { token },
                reconnection: false,
                forceNew: true,
                timeout: 300_000,
              });
              socket.once('connect', () => resolve(socket));
              socket.once('connect_error', reject);
            }),
        );
        sockets.push(...(await Promise.all(batch)));
      }
      process.send({ type: 'connected', n: sockets.length });
    } else if (message.type === 'heartbeat') {
      const { periodMs, durationMs } = message;
      let sent = 0;
      let acked = 0;
      let refused = 0;
      const codes = {};
      const timers = [];
      const latencies = [];
      const cpuAtStart = process.cpuUsage();
      const startedAt = performance.now();
      const beat = (socket) => {
        sent += 1;
        const sentAt = performance.now();
        socket
          .timeout(30_000)
          .emitWithAck('heartbeat', {})
          .then(
            (answer) => {
              latencies.push(performance.now() - sentAt);
              if (answer?.ok) acked += 1;
              else {
                refused += 1;
                const code = answer?.error?.code ?? 'no answer';
                codes[code] = (codes[code] ?? 0) + 1;
              }
            },
            () => {
              refused += 1;
              codes.timeout = (codes.timeout ?? 0) + 1;
            },
          );
      };
      sockets.forEach((socket, i) => {
        const phase = (i * periodMs) / sockets.length;
        timers.push(
          setTimeout(() => {
            beat(socket);
            timers.push(setInterval(() => beat(socket), periodMs));
          }, phase),
        );
      });
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      for (const timer of timers) clearInterval(timer);
      // The answers still on their way.
      const deadline = Date.now() + 30_000;
      while (acked + refused < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const used = process.cpuUsage(cpuAtStart);
      const cpuShare = (used.user + used.system) / 1000 / (performance.now() - startedAt);
      latencies.sort((a, b) => a - b);
      const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
      process.send({ type: 'heartbeats', sent, acked, refused, codes, p50Ms: at(0.5), p99Ms: at(0.99), cpuShare });
    } else if (message.type === 'stop') {
      for (const socket of sockets) socket.close();
      sockets = [];
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.message ?? error) });
  }
});
process.send({ type: 'ready' });

// The reference of bench:presence (BENCH_REFERENCE=1): a bare Socket.IO server with the
// same options as Switchboard's (WebSocket, default ping interval), no database, that
// accepts any token and acknowledges each `heartbeat` with a presence of the same shape
// and size as Switchboard's answer. What 10,000 sockets and their heartbeats cost with
// nothing behind them: the floor under the real server's figure. Speaks the runner's IPC
// like presence-target.mjs.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const http = createServer();
const io = new Server(http, { path: '/socket.io', serveClient: false, maxHttpBufferSize: 64 * 1024 });
io.use((socket, next) =>
  typeof socket.handshake.auth?.token === 'string' ? next() : next(new Error('auth.required')),
);
io.on('connection', (socket) => {
  socket.on('heartbeat', (_payload, ack) => {
    const now = new Date().toISOString();
    ack?.({
      ok: true,
      data: {
        agent_id: '0a4c4a2e-6a38-4d3c-9b9e-6a2f4c1d9e11',
        agent_name: 'Agente 1234',
        role: 'agent',
        status: 'offline',
        message: null,
        last_heartbeat: now,
        websocket_connected: true,
        status_changed_at: null,
        is_available: false,
        is_inactive: false,
        time_in_status_seconds: null,
        pause_reason: null,
      },
    });
  });
});
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
process.send({
  type: 'ready',
  port: http.address().port,
  tokens: Array.from({ length: AGENTS }, (_, i) => `token-${i}`),
});

let cpuAtOpen = process.cpuUsage();
let openedAt = performance.now();
process.on('message', (message) => {
  if (message?.type === 'window') {
    if (message.isOpen) {
      cpuAtOpen = process.cpuUsage();
      openedAt = performance.now();
    } else {
      const used = process.cpuUsage(cpuAtOpen);
      process.send({
        type: 'cpu',
        ms: (used.user + used.system) / 1000,
        userMs: used.user / 1000,
        systemMs: used.system / 1000,
        wallMs: performance.now() - openedAt,
      });
    }
  } else if (message?.type === 'stop') {
    io.close();
    process.exit(0);
  }
});

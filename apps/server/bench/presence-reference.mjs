// The reference of bench:presence (BENCH_REFERENCE=1): a bare Socket.IO server with the
// same options as Switchboard's (WebSocket, the same Engine.IO ping settings: read with
// Switchboard's own config from the same environment), no database, that accepts any
// token and acknowledges each `heartbeat` with a presence of the same shape and size as
// Switchboard's answer. What 10,000 sockets and their pings and heartbeats cost with
// nothing behind them: the floor under the real server's figure. Speaks the runner's IPC
// like presence-target.mjs.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { pingSettings, windowMeter } from './presence-window.mjs';

const { loadConfig } = await import('../dist/src/config.js');
const { socketPing } = loadConfig({
  DATA_DIR: '/nonexistent',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  ...pingSettings(),
});
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const http = createServer();
const io = new Server(http, {
  path: '/socket.io',
  serveClient: false,
  maxHttpBufferSize: 64 * 1024,
  pingInterval: socketPing.intervalMs,
  pingTimeout: socketPing.timeoutMs,
});
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
  pingIntervalMs: socketPing.intervalMs,
});

const meter = windowMeter();
process.on('message', (message) => {
  if (message?.type === 'window') {
    if (message.isOpen) meter.open();
    else process.send(meter.close());
  } else if (message?.type === 'stop') {
    io.close();
    process.exit(0);
  }
});

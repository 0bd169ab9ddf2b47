// The agents of bench:routing, in a process of their own (pinned to CPU 1 by the runner
// when it can): one socket.io-client connection each, the console's. Told over IPC to
// connect (token, node URL; `batch` at a time), they go online, accept chat offers over
// HTTP on their node and close their chats over HTTP after a random handle time. Calls
// are the PBX's (bench/routing-pbx.mjs): the agent's device rings and answers there, which
// accepts a call's offer, and the caller hangs up after the handle time. Every offer, assignment and reference emit is stamped when it
// reaches the socket, on the clock the runner stamps arrivals with
// (performance.timeOrigin + performance.now(), the same wall clock in both processes), and
// sent back in batches so the IPC itself is not in the latency.
import { io } from 'socket.io-client';

const now = () => performance.timeOrigin + performance.now();
const random = (min, max) => min + Math.random() * (max - min);
let agents = [];
let handleMs = [1000, 4000];
let stamps = [];
const timers = new Set();
let isStopping = false;
// Packets received by all agents' sockets, by event name, since the runner last asked.
let packets = {};

const request = async (method, url, token) => {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  await response.text();
  return response.status;
};

const flush = () => {
  if (stamps.length === 0) return;
  process.send({ type: 'stamps', stamps });
  stamps = [];
};
setInterval(flush, 250).unref();

const handle = (agent, data) => {
  const timer = setTimeout(
    () => {
      timers.delete(timer);
      if (isStopping) return;
      request('POST', `${agent.url}/api/conversations/${data.conversation_id}/close`, agent.token).catch((error) =>
        process.send({ type: 'error-note', message: `close failed: ${error.message} ${error.cause?.code ?? ''}` }),
      );
    },
    random(handleMs[0], handleMs[1]),
  );
  timers.add(timer);
};

const connect = (agent) =>
  new Promise((resolve, reject) => {
    const socket = io(agent.url, {
      auth: { token: agent.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 300_000,
    });
    agent.socket = socket;
    socket.onAny((event) => {
      packets[event] = (packets[event] ?? 0) + 1;
    });
    socket.on('offer_created', (envelope) => {
      const at = now();
      const data = envelope.data;
      if (data.agent_id !== agent.id) return;
      stamps.push({
        kind: 'offer',
        key: data.conversation_id ?? data.call_id,
        entryId: data.id,
        agent: agent.index,
        at,
      });
      // A call's offer is accepted by answering the ringing device (the PBX process does).
      if (data.channel !== 'voice') {
        request('POST', `${agent.url}/api/routing/offers/${data.id}/accept`, agent.token).catch(() => undefined);
      }
    });
    socket.on('entry_assigned', (envelope) => {
      const at = now();
      const data = envelope.data;
      if (data.assigned_to !== agent.id) return;
      stamps.push({
        kind: 'assigned',
        key: data.conversation_id ?? data.call_id,
        entryId: data.id,
        agent: agent.index,
        attempts: data.attempts,
        at,
      });
      if (data.conversation_id) handle(agent, data);
    });
    socket.on('bench_reference', (payload) => stamps.push({ kind: 'reference', key: payload.id, at: now() }));
    socket.once('connect', () => {
      socket.emit('update_status', { status: 'online' }, () => resolve());
    });
    socket.once('connect_error', reject);
  });

process.on('message', async (message) => {
  try {
    if (message.type === 'connect') {
      handleMs = message.handleMs;
      agents = message.agents;
      const batch = Math.max(1, message.batch ?? 50);
      const started = performance.now();
      for (let start = 0; start < agents.length; start += batch) {
        await Promise.all(agents.slice(start, start + batch).map(connect));
        if (start > 0 && (start / batch) % Math.max(1, Math.round(200 / batch)) === 0) {
          process.send({
            type: 'error-note',
            message: `agents online: ${start + batch} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
          });
        }
      }
      process.send({ type: 'connected', n: agents.length });
    } else if (message.type === 'count-packets') {
      packets = {};
    } else if (message.type === 'flush') {
      flush();
      process.send({ type: 'flushed', packets });
    } else if (message.type === 'stop') {
      isStopping = true;
      for (const timer of timers) clearTimeout(timer);
      flush();
      for (const agent of agents) agent.socket?.disconnect();
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.message ?? error) });
  }
});
// The runner gone (killed, crashed): nothing left to do here.
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });

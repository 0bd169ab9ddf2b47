// The PBX of bench:routing, in a process of its own (as Asterisk is another machine): the
// ARI emulator of the integration tests (test/support/ari-emulator.ts, loaded through
// tsx), which the server node(s) connect to as their PBX. Told over IPC to place a call,
// it plays a caller dialling a DID into Stasis (callerDials, the frames of s11) and stamps
// the StasisStart on the wall clock the runner and the agents' process use
// (performance.timeOrigin + performance.now()). The node that owns the PBX answers the
// caller, plays music on hold and rings the chosen agent's device (an originate into
// Stasis): the device answers after BENCH_ANSWER_MS (the leg enters Stasis, as a phone
// picking up does in the tests), the node bridges caller and agent, and after a random
// handle time the caller hangs up. Every bridge is watched as the emulator emits it: an
// agent's device in two calls at once, or a caller bridged twice, is counted.
//
// It is also the load generator: told a round's plan, it places the calls and sends the
// chats' HTTP arrivals (alternately to each node) on its own clock, so a node's busy event
// loop (node A is the runner's process; on PGlite its queries run on that loop) delays
// the answers, never the arrivals.
import { callerDials } from '../test/support/ari-emulator.queue.ts';
import { AriEmulator } from '../test/support/ari-emulator.ts';

const now = () => performance.timeOrigin + performance.now();
const random = (min, max) => min + Math.random() * (max - min);
const CALLER_PREFIX = 'bench-caller-';

let ari;
let handleMs = [1000, 4000];
let answerMs = 300;
const timers = new Set();
let isStopping = false;
/** Caller channel -> what happened to it. */
const callers = new Map();
/** Agent leg channel -> its endpoint (the agent's device). */
const legEndpoint = new Map();
const doubles = { agentInTwoCalls: 0, callerBridgedTwice: 0, answeredAfterGone: 0 };
let rung = 0;

const later = (ms, task) => {
  const timer = setTimeout(() => {
    timers.delete(timer);
    if (!isStopping) task();
  }, ms);
  timers.add(timer);
};

/** The originate request of a channel (the newest first: it was just made). */
const originateOf = (channelId) => {
  for (let i = ari.requests.length - 1; i >= 0; i -= 1) {
    const r = ari.requests[i];
    if (r.method === 'POST' && r.path === '/ari/channels' && r.query.channelId === channelId) return r;
  }
  return undefined;
};

/** A caller and an agent's leg in one bridge: checked against every other bridge, then the caller hangs up later. */
const onEnteredBridge = (bridgeId) => {
  const bridge = ari.state.bridges.get(bridgeId);
  if (!bridge) return;
  const caller = bridge.channels.find((id) => id.startsWith(CALLER_PREFIX));
  const leg = bridge.channels.find((id) => legEndpoint.has(id));
  if (!caller || !leg) return;
  const record = callers.get(caller);
  if (!record || record.bridgedTo === leg) return;
  const endpoint = legEndpoint.get(leg);
  for (const other of ari.state.bridges.values()) {
    if (other.id === bridge.id) continue;
    const otherCaller = other.channels.find((id) => id.startsWith(CALLER_PREFIX) && ari.state.channels.has(id));
    if (!otherCaller) continue;
    const otherLegs = other.channels.filter((id) => legEndpoint.has(id) && ari.state.channels.has(id));
    if (otherLegs.length === 0) continue;
    if (otherCaller === caller) doubles.callerBridgedTwice += 1;
    if (otherLegs.some((id) => legEndpoint.get(id) === endpoint)) doubles.agentInTwoCalls += 1;
  }
  if (record.bridgedTo) doubles.callerBridgedTwice += 1;
  record.bridgedTo = leg;
  record.bridgedAt = now();
  later(random(handleMs[0], handleMs[1]), () => {
    if (ari.state.channels.has(caller)) {
      record.hungUpByBench = true;
      ari.hangupChannel(caller);
    }
  });
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One round's arrivals, due by the clock: chats over HTTP, calls into Stasis. */
const arrive = async (plan) => {
  const started = performance.now();
  const chatAt = [];
  const pending = [];
  let failures = 0;
  const notes = [];
  const unanswered = new Set();
  const failed = [];
  let chatIndex = 0;
  let callIndex = 0;
  for (;;) {
    const elapsedS = (performance.now() - started) / 1000;
    if (elapsedS >= plan.seconds) break;
    for (; chatIndex < Math.min(plan.chats.length, Math.floor(elapsedS * plan.chatsPerS)); chatIndex += 1) {
      const chat = plan.chats[chatIndex];
      chatAt.push([chat.conversationId, now()]);
      unanswered.add(chat.conversationId);
      pending.push(
        fetch(`${chat.url}/api/conversations/${chat.conversationId}/queue`, {
          method: 'POST',
          headers: { authorization: `Bearer ${plan.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ queue_id: chat.queueId }),
        })
          .then(async (response) => {
            const text = await response.text();
            unanswered.delete(chat.conversationId);
            if (response.status >= 400) throw new Error(`${response.status} ${text.slice(0, 200)}`);
          })
          .catch((error) => {
            unanswered.delete(chat.conversationId);
            failed.push(chat.conversationId);
            failures += 1;
            if (notes.length < 3) notes.push(`${error.message} ${error.cause?.code ?? ''}`);
          }),
      );
    }
    for (; callIndex < Math.min(plan.calls.length, Math.floor(elapsedS * plan.callsPerS)); callIndex += 1) {
      const call = plan.calls[callIndex];
      const channelId = `${CALLER_PREFIX}${call.id}`;
      callers.set(channelId, { channelId, placedAt: now() });
      callerDials(ari, { channelId, did: call.did, callerNumber: call.callerNumber });
    }
    await sleep(10);
  }
  const windowSeconds = (performance.now() - started) / 1000;
  let isSettled = false;
  await Promise.race([Promise.allSettled(pending).then(() => (isSettled = true)), sleep(plan.answerWaitMs)]);
  return {
    windowSeconds,
    chatAt,
    chats: chatIndex,
    calls: plan.calls.slice(0, callIndex).map((c) => `${CALLER_PREFIX}${c.id}`),
    failures,
    failed,
    unanswered: [...unanswered],
    notes,
    isSettled,
  };
};

process.on('message', async (message) => {
  try {
    if (message.type === 'start') {
      handleMs = message.handleMs;
      answerMs = message.answerMs;
      ari = await AriEmulator.start({ username: message.username, password: message.password });
      const emit = ari.emit.bind(ari);
      ari.emit = (event) => {
        emit(event);
        if (event.type === 'ChannelEnteredBridge') onEnteredBridge(event.bridge.id);
        else if (event.type === 'ChannelDestroyed' && event.channel?.id?.startsWith(CALLER_PREFIX)) {
          const record = callers.get(event.channel.id);
          if (record && !record.endedAt) record.endedAt = now();
        }
      };
      // The agent's device rings: it answers (the leg enters Stasis) unless the call is gone by then.
      ari.onOriginate = (channel) => {
        const request = originateOf(channel.id);
        const appArgs = (request?.query.appArgs ?? '').split(',');
        if (!appArgs[0]?.startsWith('queue-')) return;
        rung += 1;
        legEndpoint.set(channel.id, request.query.endpoint);
        later(answerMs, () => {
          if (!ari.state.channels.has(channel.id)) return;
          ari.enterStasis(channel.id, appArgs, { app: 'switchboard' });
        });
      };
      process.send({ type: 'pbx-ready', url: ari.url });
    } else if (message.type === 'wait-websocket') {
      await ari.waitForWebSockets(1, message.timeoutMs);
      process.send({ type: 'pbx-websocket' });
    } else if (message.type === 'arrive') {
      process.send({ type: 'arrived', ...(await arrive(message.plan)) });
    } else if (message.type === 'place') {
      const channelId = `${CALLER_PREFIX}${message.id}`;
      const record = { channelId, placedAt: now(), bridgedTo: undefined, bridgedAt: undefined, endedAt: undefined };
      callers.set(channelId, record);
      callerDials(ari, { channelId, did: message.did, callerNumber: message.callerNumber });
    } else if (message.type === 'report') {
      const wanted = new Set(message.channelIds);
      const calls = [...callers.values()]
        .filter((c) => wanted.has(c.channelId))
        .map((c) => ({
          channelId: c.channelId,
          placedAt: c.placedAt,
          isBridged: c.bridgedTo !== undefined,
          isUp: ari.state.channels.has(c.channelId),
          endedByServer: c.endedAt !== undefined && !c.hungUpByBench,
        }));
      process.send({
        type: 'pbx-report',
        calls,
        doubles,
        rung,
        bridges: ari.state.bridges.size,
        requests: ari.requests.length,
        refusals: ari.stasisRefusals.length,
      });
    } else if (message.type === 'stop') {
      isStopping = true;
      for (const timer of timers) clearTimeout(timer);
      await ari?.close();
      process.exit(0);
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });

/**
 * Replays every recorded Asterisk 22.10.1 event stream (test/fixtures/asterisk/ari-events)
 * through the real ARI client into Switchboard and checks the call records they produce.
 * The captures used the app `callcenter` and their own channel ids and args; the replay
 * renames the channels and args that play a part in our calls to our conventions
 * (`inbound,<sip username>`, `<callId>-agent`, `<callId>-customer`) and keeps every
 * other byte: event order, causes, states and the extra channels around them.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARI_FIXTURES_DIR } from '../support/ari-emulator.js';
import { agentWithDevice, originates, startServerWithPbx, waitFor, type PbxTest } from '../support/pbx.js';

type Frame = Record<string, any>;

function loadFrames(name: string): Frame[] {
  return readFileSync(`${ARI_FIXTURES_DIR}ari-events/${name}.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Frame);
}

/** Replaces whole-string ids (and `channel:<id>` uris) everywhere in a frame. */
function renameIds(value: unknown, ids: Record<string, string>): unknown {
  if (typeof value === 'string') {
    if (ids[value] !== undefined) return ids[value];
    const uri = /^(channel|bridge):(.*)$/.exec(value);
    return uri && ids[uri[2]!] !== undefined ? `${uri[1]}:${ids[uri[2]!]}` : value;
  }
  if (Array.isArray(value)) return value.map((item) => renameIds(item, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameIds(v, ids)]));
  }
  return value;
}

describe('replaying the recorded ARI event streams', () => {
  let pbx: PbxTest;

  beforeAll(async () => {
    pbx = await startServerWithPbx();
  });
  afterAll(async () => {
    await pbx.close();
  });

  /**
   * Sends the frames in order. After each one, waits until Switchboard has stopped talking
   * to the emulator (what it does in reaction, such as bridging), as it would have had the
   * time to in the recorded call, where seconds pass between these events.
   */
  async function send(frames: Frame[], ids: Record<string, string>, args: Record<string, string[]>) {
    for (const raw of frames) {
      const frame = renameIds({ ...raw, application: 'switchboard' }, ids) as Frame;
      if (frame.type === 'StasisStart' && args[frame.channel.id]) frame.args = args[frame.channel.id];
      pbx.ari.applyEvent(frame);
      pbx.ari.emitRaw(JSON.stringify(frame));
      await quiet();
    }
  }

  /** Resolves once no request reached the emulator for 40 ms (at most 3 s). */
  async function quiet() {
    const deadline = Date.now() + 3000;
    let seen = -1;
    while (seen !== pbx.ari.requests.length && Date.now() < deadline) {
      seen = pbx.ari.requests.length;
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  async function callsOf(token: string) {
    return (await pbx.api.request('GET', '/api/calls/history', { token })).body.items as Frame[];
  }

  /** Inbound scenarios: the customer channel enters with our args; the agent leg, if any, is ours. */
  async function replayInbound(scenario: string, roles: { customer: string; agent?: string }, part?: string) {
    const agent = await agentWithDevice(pbx.api);
    const frames = loadFrames(part ? `${scenario}.${part}` : scenario);
    const split = frames.findIndex((f) => f.type === 'StasisStart' && f.channel.id === roles.customer);
    const customerId = `${scenario}-${agent.extension}-customer`;
    const ids: Record<string, string> = { [roles.customer]: customerId };
    await send(frames.slice(0, split + 1), ids, { [customerId]: ['inbound', agent.sipUsername] });
    await waitFor(async () => (await callsOf(agent.token)).length === 1, `${scenario}: call created`);
    const callId = (await callsOf(agent.token))[0]!.id as string;
    // Switchboard rang the agent with its own channel id; the recorded agent leg plays it.
    await waitFor(() => originates(pbx.ari).some((o) => o.appArgs[1] === callId), `${scenario}: agent rung`);
    const agentLeg = originates(pbx.ari).find((o) => o.appArgs[1] === callId)!;
    if (roles.agent) {
      ids[roles.agent] = agentLeg.channelId!;
      ids[`${roles.agent}-peer`] = `${agentLeg.channelId};2`;
      pbx.ari.state.channels.delete(agentLeg.channelId);
    }
    await send(frames.slice(split + 1), ids, roles.agent ? { [agentLeg.channelId]: ['inbound-agent', callId] } : {});
    return { agent, callId };
  }

  async function finalStatus(token: string, callId: string, expected: string) {
    await waitFor(
      async () => (await pbx.api.request('GET', `/api/calls/${callId}`, { token })).body.status === expected,
      `status ${expected}`,
    );
    return (await pbx.api.request('GET', `/api/calls/${callId}`, { token })).body;
  }

  it.each([
    ['s01-inbound-into-stasis-caller-hangs-up', 's01-inbound'],
    ['s02-inbound-into-stasis-app-hangs-up', 's02-inbound'],
    ['s05-continue-to-dialplan-and-ari-redirect', 's05-inbound'],
    ['s06-ami-redirect-of-stasis-channel', 's06-inbound'],
    ['s11-unanswered-inbound-ring-answer-play', 's11-inbound'],
  ])('%s: the caller leaves before an agent answers, so the call is canceled', async (scenario, customer) => {
    const { agent, callId } = await replayInbound(scenario, { customer });
    const call = await finalStatus(agent.token, callId, 'canceled');
    expect(call).toMatchObject({ direction: 'inbound', ended_by: 'customer', answered_at: null });
  });

  it.each([
    ['s03-bridge-customer-and-agent-agent-hangs-up', 's03-customer', 's03-agent'],
    ['s13-bridge-customer-and-agent-without-subscribeAll', 's13-customer', 's13-agent'],
  ])('%s: bridged on the agent’s answer, completed when the agent hangs up', async (scenario, customer, agentId) => {
    const { agent, callId } = await replayInbound(scenario, { customer, agent: agentId });
    const call = await finalStatus(agent.token, callId, 'completed');
    expect(call).toMatchObject({ ended_by: 'agent', hangup_cause: 16 });
    expect(call.answered_at).not.toBeNull();
  });

  it('s07-blind-transfer-from-stasis-bridge: a phone-side blind transfer ends our call as transferred', async () => {
    const { agent, callId } = await replayInbound('s07-blind-transfer-from-stasis-bridge', {
      customer: 's07-customer',
      agent: 's07-agent',
    });
    const call = await finalStatus(agent.token, callId, 'transferred');
    expect(call).toMatchObject({ transferred_to: '200', ended_by: 'agent' });
  });

  it('s12-websocket-disconnect-reconnect: a call survives the dropped WebSocket and ends on the later events', async () => {
    const { agent, callId } = await replayInbound(
      's12-websocket-disconnect-reconnect',
      { customer: 's12-inbound' },
      'ws1',
    );
    const opened = pbx.ari.webSocketsOpened;
    pbx.ari.dropWebSockets();
    await waitFor(() => pbx.ari.webSocketsOpened > opened, 'a new WebSocket');
    await waitFor(async () => (await pbx.api.request('GET', '/ready')).body.checks.pbx === 'up', 'reconnected');
    await quiet();
    expect((await pbx.api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body.status).toBe('ringing');
    const customerId = `s12-websocket-disconnect-reconnect-${agent.extension}-customer`;
    await send(loadFrames('s12-websocket-disconnect-reconnect.ws2'), { 's12-inbound': customerId }, {});
    await finalStatus(agent.token, callId, 'canceled');
  });

  it('s04-dtmf-received-in-stasis: a channel in Stasis that is not a call of ours creates nothing', async () => {
    const before = (await pbx.api.request('GET', '/api/calls/history?limit=200', { token: await pbx.api.adminToken() }))
      .body.items.length;
    await send(loadFrames('s04-dtmf-received-in-stasis'), {}, {});
    await new Promise((r) => setTimeout(r, 300));
    const after = (await pbx.api.request('GET', '/api/calls/history?limit=200', { token: await pbx.api.adminToken() }))
      .body.items.length;
    expect(after).toBe(before);
    expect((await pbx.api.request('GET', '/health')).status).toBe(200);
  });

  it.each([
    ['s08-originate-nonexistent-extension-fails', 's08-fail', 'failed'],
    ['s09-originate-busy-destination', 's09-busy', 'busy'],
    ['s10-originate-no-answer-timeout', 's10-noanswer', 'no_answer'],
  ])(
    '%s (channel %s): the destination leg of a click-to-call ends the call as %s',
    async (scenario, channel, expected) => {
      const agent = await agentWithDevice(pbx.api);
      const callId = (await pbx.api.request('POST', '/api/calls/make', { token: agent.token, body: { to: '700' } }))
        .body.id;
      const agentLeg = originates(pbx.ari).find((o) => o.appArgs[1] === callId)!;
      pbx.ari.enterStasis(agentLeg.channelId, agentLeg.appArgs, { app: 'switchboard' });
      await waitFor(
        () => originates(pbx.ari).some((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId),
        'dialled',
      );
      await send(
        loadFrames(scenario),
        { [channel]: `${callId}-customer`, [`${channel};2`]: `${callId}-customer;2` },
        {},
      );
      const call = await finalStatus(agent.token, callId, expected);
      expect(call.ended_by).toBe('customer');
    },
  );
});

/**
 * Hold and consult (attended) transfer over HTTP and Socket.IO against the ARI emulator:
 * music on hold in the call's bridge, the target rung into a consult bridge, swap,
 * complete (the target takes the agent's place, the recording goes on), cancel, and the
 * target not answering or hanging up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentWithDevice,
  answeredOutboundCall,
  callStatus,
  originates,
  requestsTo,
  startServerWithPbx,
  waitFor,
  type PbxTest,
} from '../support/pbx.js';
import { connectSocket } from '../support/socket.js';

describe('hold and consult transfer', () => {
  let pbx: PbxTest;

  beforeAll(async () => {
    pbx = await startServerWithPbx();
  });
  afterAll(async () => {
    await pbx.close();
  });

  const post = (token: string, path: string, body?: unknown) =>
    pbx.api.request('POST', path, { token, ...(body === undefined ? {} : { body }) });

  const consultOf = async (token: string, callId: string) =>
    ((await pbx.api.request('GET', `/api/calls/${callId}/consults`, { token })).body.items as any[]).at(-1);

  /** `DELETE /channels/{id}` itself (not `/ring` under it): the channel was hung up. */
  const hangupsOf = (channelId: string) =>
    pbx.ari.requests.filter((r) => r.method === 'DELETE' && r.path === `/ari/channels/${channelId}`);

  const bridgeOf = (id: string) => [...(pbx.ari.state.bridges.get(id)?.channels ?? [])].sort();

  /** An answered call and a consult to another agent, answered by them. */
  const answeredConsult = async () => {
    const call = await answeredOutboundCall(pbx);
    const target = await agentWithDevice(pbx.api);
    const started = await post(call.agent.token, `/api/calls/${call.callId}/consult`, { to: target.id });
    expect(started.status).toBe(201);
    const consultId = started.body.id as string;
    const leg = originates(pbx.ari).find((o) => o.appArgs[0] === 'consult' && o.appArgs[1] === consultId)!;
    pbx.ari.enterStasis(leg.channelId, leg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await consultOf(call.agent.token, call.callId))?.status === 'talking', 'talking');
    await waitFor(() => bridgeOf(consultId).length === 2, 'the agent and the target bridged');
    return { ...call, target, consultId, started, leg };
  };

  it('holds with music and resumes: the agent leaves and rejoins the bridge', async () => {
    const { api, ari } = pbx;
    const { agent, callId } = await answeredOutboundCall(pbx);
    const socket = await connectSocket(api.baseUrl, { token: agent.token });
    const held = await post(agent.token, `/api/calls/${callId}/hold`);
    expect(held.status).toBe(200);
    expect(held.body.held_at).not.toBeNull();
    expect(bridgeOf(callId)).toEqual([`${callId}-customer`]);
    expect(ari.state.mohBridgeIds.has(callId)).toBe(true);
    // Holding twice changes nothing.
    expect((await post(agent.token, `/api/calls/${callId}/hold`)).body.held_at).toBe(held.body.held_at);

    const resumed = await post(agent.token, `/api/calls/${callId}/unhold`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.held_at).toBeNull();
    expect(bridgeOf(callId)).toEqual([`${callId}-agent`, `${callId}-customer`].sort());
    expect(ari.state.mohBridgeIds.has(callId)).toBe(false);
    await socket.waitFor((events) => events.some((e) => e.event === 'call_unheld'));
    expect(socket.received.filter((e) => e.event.endsWith('held')).map((e) => e.event)).toEqual([
      'call_held',
      'call_unheld',
    ]);
    socket.socket.close();
  });

  it('consults another agent, swaps twice, completes: the target has the customer, the story is kept', async () => {
    const { api, ari } = pbx;
    const call = await answeredOutboundCall(pbx);
    const { agent, callId } = call;
    const target = await agentWithDevice(api);
    const agentSocket = await connectSocket(api.baseUrl, { token: agent.token });
    const targetSocket = await connectSocket(api.baseUrl, { token: target.token });

    const started = await post(agent.token, `/api/calls/${callId}/consult`, { to: target.id });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: 'ringing', target_kind: 'user', target_user_id: target.id });
    const consultId = started.body.id as string;
    const leg = originates(ari).find((o) => o.appArgs[0] === 'consult' && o.appArgs[1] === consultId)!;
    expect(leg).toMatchObject({ endpoint: `PJSIP/${target.sipUsername}`, channelId: `${consultId}-target` });
    // The customer hears music, alone in the call's bridge; the agent hears ringing.
    expect(bridgeOf(callId)).toEqual([`${callId}-customer`]);
    expect(ari.state.mohBridgeIds.has(callId)).toBe(true);
    expect(requestsTo(ari, 'POST', `/channels/${callId}-agent/ring`).length).toBeGreaterThanOrEqual(2);
    expect((await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body.held_at).not.toBeNull();

    ari.enterStasis(leg.channelId, leg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await consultOf(agent.token, callId))?.status === 'talking', 'talking');
    await waitFor(() => bridgeOf(consultId).length === 2, 'consult bridged');
    expect(bridgeOf(consultId)).toEqual([`${callId}-agent`, leg.channelId].sort());
    expect(requestsTo(ari, 'DELETE', `/channels/${callId}-agent/ring`).length).toBeGreaterThanOrEqual(1);

    const toCustomer = await post(agent.token, `/api/calls/${callId}/consult/swap`);
    expect(toCustomer.status).toBe(200);
    expect(toCustomer.body.status).toBe('customer');
    expect(bridgeOf(callId)).toEqual([`${callId}-agent`, `${callId}-customer`].sort());
    expect(bridgeOf(consultId)).toEqual([leg.channelId]);
    expect(ari.state.mohBridgeIds.has(consultId)).toBe(true);
    expect(ari.state.mohBridgeIds.has(callId)).toBe(false);

    const toTarget = await post(agent.token, `/api/calls/${callId}/consult/swap`);
    expect(toTarget.body.status).toBe('talking');
    expect(bridgeOf(callId)).toEqual([`${callId}-customer`]);
    expect(ari.state.mohBridgeIds.has(callId)).toBe(true);

    const completed = await post(agent.token, `/api/calls/${callId}/consult/complete`);
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ status: 'completed', end_reason: 'completed' });
    expect(completed.body.timeline.map((s: any) => [s.step, s.agent_with])).toEqual([
      ['started', null],
      ['answered', 'target'],
      ['swapped', 'customer'],
      ['swapped', 'target'],
      ['completed', null],
    ]);
    // The target is with the customer in the call's (recorded) bridge; the agent is released.
    expect(bridgeOf(callId)).toEqual([`${callId}-customer`, leg.channelId].sort());
    expect(ari.state.mohBridgeIds.has(callId)).toBe(false);
    expect(ari.state.bridges.has(consultId)).toBe(false);
    await waitFor(() => hangupsOf(`${callId}-agent`).length === 1, 'agent released');
    const during = (await api.request('GET', `/api/calls/${callId}`, { token: target.token })).body;
    expect(during).toMatchObject({
      status: 'in_progress',
      agent_id: target.id,
      transferred_to: target.id,
      held_at: null,
    });
    // The first agent no longer owns the call.
    expect((await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).status).toBe(404);

    // The customer and the target talk on; the customer hangs up: the call ends with the target.
    ari.hangupChannel(`${callId}-customer`);
    await waitFor(async () => (await callStatus(api, target.token, callId)) === 'completed', 'completed');
    await waitFor(() => hangupsOf(leg.channelId).length === 1, 'target released');

    await agentSocket.waitFor((events) => events.some((e) => e.event === 'call_consult_completed'));
    expect(agentSocket.received.filter((e) => e.event.startsWith('call_consult')).map((e) => e.event)).toEqual([
      'call_consult_started',
      'call_consult_answered',
      'call_consult_swapped',
      'call_consult_swapped',
      'call_consult_completed',
    ]);
    await targetSocket.waitFor((events) => events.some((e) => e.event === 'call_ended'));
    const forTarget = targetSocket.received.filter((e) => e.data.call_id === callId).map((e) => e.event);
    expect(forTarget).toContain('call_consult_completed');
    expect(forTarget.at(-1)).toBe('call_ended');
    agentSocket.socket.close();
    targetSocket.socket.close();
  });

  it('cancels: the target is released and the agent is back with the customer', async () => {
    const { ari } = pbx;
    const { agent, callId, consultId, leg } = await answeredConsult();
    const canceled = await post(agent.token, `/api/calls/${callId}/consult/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', end_reason: 'canceled' });
    expect(canceled.body.timeline.at(-1)).toMatchObject({ step: 'canceled', agent_with: 'customer' });
    expect(hangupsOf(leg.channelId)).toHaveLength(1);
    expect(ari.state.bridges.has(consultId)).toBe(false);
    expect(bridgeOf(callId)).toEqual([`${callId}-agent`, `${callId}-customer`].sort());
    expect(ari.state.mohBridgeIds.has(callId)).toBe(false);
    const after = await post(agent.token, `/api/calls/${callId}/consult/cancel`);
    expect(after.status).toBe(404);
    expect(after.body.code).toBe('consult.not_found');
    expect((await pbx.api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body).toMatchObject({
      status: 'in_progress',
      agent_id: agent.id,
      held_at: null,
    });
  });

  it.each([
    [19, 'no_answer'],
    [17, 'busy'],
  ])('gives the customer back when the target does not answer (cause %i → %s)', async (cause, reason) => {
    const { ari } = pbx;
    const { agent, callId } = await answeredOutboundCall(pbx);
    const started = await post(agent.token, `/api/calls/${callId}/consult`, { to: '+55 11 3333-4444' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ target: '+551133334444', target_kind: 'number' });
    const leg = originates(ari).find((o) => o.appArgs[1] === started.body.id)!;
    expect(leg.endpoint).toBe('Local/+551133334444@from-agents/n');
    const completeTooSoon = await post(agent.token, `/api/calls/${callId}/consult/complete`);
    expect(completeTooSoon.status).toBe(409);
    expect(completeTooSoon.body.code).toBe('consult.not_answered');

    ari.hangupChannel(leg.channelId, cause, 'gone');
    await waitFor(async () => (await consultOf(agent.token, callId))?.status === 'canceled', 'canceled');
    expect((await consultOf(agent.token, callId)).end_reason).toBe(reason);
    await waitFor(() => bridgeOf(callId).length === 2, 'agent back with the customer');
    expect(bridgeOf(callId)).toEqual([`${callId}-agent`, `${callId}-customer`].sort());
    expect(await callStatus(pbx.api, agent.token, callId)).toBe('in_progress');
  });

  it('gives the customer back when the target hangs up mid-consult', async () => {
    const { agent, callId, leg } = await answeredConsult();
    pbx.ari.hangupChannel(leg.channelId);
    await waitFor(async () => (await consultOf(agent.token, callId))?.status === 'canceled', 'canceled');
    expect((await consultOf(agent.token, callId)).end_reason).toBe('target_hangup');
    await waitFor(() => bridgeOf(callId).length === 2, 'agent back with the customer');
    expect(bridgeOf(callId)).toEqual([`${callId}-agent`, `${callId}-customer`].sort());
  });

  it('hands the call to the target when the agent hangs up their phone mid-consult', async () => {
    const { agent, callId, target, leg } = await answeredConsult();
    const admin = await pbx.api.adminToken();
    pbx.ari.hangupChannel(`${callId}-agent`);
    await waitFor(async () => (await consultOf(admin, callId))?.status === 'completed', 'completed');
    expect((await consultOf(admin, callId)).end_reason).toBe('agent_hangup');
    await waitFor(() => bridgeOf(callId).includes(leg.channelId), 'target with the customer');
    expect(bridgeOf(callId)).toEqual([`${callId}-customer`, leg.channelId].sort());
    expect(await callStatus(pbx.api, target.token, callId)).toBe('in_progress');
    expect((await pbx.api.request('GET', `/api/calls/${callId}`, { token: agent.token })).status).toBe(404);
  });

  it('gives the customer back when the target left while the ARI WebSocket was down', async () => {
    const { ari } = pbx;
    const { agent, callId, leg } = await answeredConsult();
    ari.setAcceptingWebSockets(false);
    ari.dropWebSockets();
    ari.hangupChannel(leg.channelId);
    ari.setAcceptingWebSockets(true);
    await waitFor(async () => (await consultOf(agent.token, callId))?.status === 'canceled', 'reconciled', 15_000);
    expect((await consultOf(agent.token, callId)).end_reason).toBe('pbx_lost');
    await waitFor(() => bridgeOf(callId).length === 2, 'agent back with the customer');
    expect(await callStatus(pbx.api, agent.token, callId)).toBe('in_progress');
  });

  it('ends the consult with the call when the customer hangs up', async () => {
    const { agent, callId, leg } = await answeredConsult();
    pbx.ari.hangupChannel(`${callId}-customer`);
    await waitFor(async () => (await callStatus(pbx.api, agent.token, callId)) === 'completed', 'completed');
    await waitFor(async () => (await consultOf(agent.token, callId))?.status === 'canceled', 'consult over');
    expect((await consultOf(agent.token, callId)).end_reason).toBe('call_ended');
    await waitFor(() => hangupsOf(leg.channelId).length === 1, 'target released');
  });

  it('refuses a second consult, hold during a consult, unanswered calls, bad targets and other agents', async () => {
    const { api } = pbx;
    const { agent, callId } = await answeredConsult();
    const second = await post(agent.token, `/api/calls/${callId}/consult`, { to: '1234567' });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('consult.already_open');
    expect((await post(agent.token, `/api/calls/${callId}/hold`)).body.code).toBe('call.consult_open');
    const bad = await post(agent.token, `/api/calls/${callId}/consult`, { to: 'not a number' });
    expect(bad.status).toBe(400);
    const self = await answeredOutboundCall(pbx);
    const toSelf = await post(self.agent.token, `/api/calls/${self.callId}/consult`, { to: self.agent.id });
    expect(toSelf.status).toBe(409);
    expect(toSelf.body.code).toBe('consult.self');
    const stranger = await agentWithDevice(api);
    expect((await post(stranger.token, `/api/calls/${callId}/consult/swap`)).status).toBe(404);
    const ringing = (await post(stranger.token, '/api/calls/make', { to: '1234567' })).body.id;
    const early = await post(stranger.token, `/api/calls/${ringing}/consult`, { to: '1234567' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('call.not_answered');
    expect((await post(stranger.token, `/api/calls/${ringing}/hold`)).status).toBe(409);
  });
});

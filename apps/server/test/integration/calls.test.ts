/**
 * Call control end to end: HTTP and Socket.IO against a Switchboard whose PBX is the ARI
 * emulator (exact Asterisk 22.10.1 wire formats). The emulator plays the phones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentWithDevice,
  answeredOutboundCall as answeredCall,
  callStatus,
  originates,
  requestsTo,
  startServerWithPbx,
  waitFor,
  type PbxTest,
} from '../support/pbx.js';
import { connectSocket } from '../support/socket.js';
import { startTestServer } from '../support/server.js';

describe('calls with a PBX', () => {
  let pbx: PbxTest;

  beforeAll(async () => {
    pbx = await startServerWithPbx();
  });
  afterAll(async () => {
    await pbx.close();
  });

  const answeredOutboundCall = (to?: string) => answeredCall(pbx, to);

  it('click-to-call rings the agent first, then dials the destination, bridges and records', async () => {
    const { api, ari } = pbx;
    const agent = await agentWithDevice(api);
    const socket = await connectSocket(api.baseUrl, { token: agent.token });
    const made = await api.request('POST', '/api/calls/make', {
      token: agent.token,
      body: { to: '+55 11 98765-4321' },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      status: 'initiated',
      direction: 'outbound',
      to_number: '+5511987654321',
      agent_id: agent.id,
    });
    const callId = made.body.id;
    const agentLeg = originates(ari).find((o) => o.appArgs[1] === callId)!;
    expect(agentLeg).toMatchObject({
      endpoint: `PJSIP/${agent.sipUsername}`,
      app: 'switchboard',
      channelId: `${callId}-agent`,
    });

    ari.enterStasis(agentLeg.channelId, agentLeg.appArgs, { app: 'switchboard' });
    await waitFor(
      () => originates(ari).some((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId),
      'customer leg',
    );
    const customerLeg = originates(ari).find((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId)!;
    expect(customerLeg.endpoint).toBe('Local/+5511987654321@from-agents/n');
    expect(requestsTo(ari, 'POST', `/channels/${callId}-agent/ring`)).toHaveLength(1);
    // The server records `ringing` once the destination is being dialled: after the
    // request the emulator saw, so wait for it (on PostgreSQL it may land a moment later).
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'ringing', 'ringing');

    ari.enterStasis(customerLeg.channelId, customerLeg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'in_progress', 'in progress');
    const record = requestsTo(ari, 'POST', `/bridges/${callId}/record`);
    expect(record).toHaveLength(1);
    expect(record[0]!.query.format).toBe('wav');

    ari.hangupChannel(customerLeg.channelId, 16, 'Normal Clearing');
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'completed', 'completed');
    const call = (await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body;
    expect(call).toMatchObject({ ended_by: 'customer', hangup_cause: 16, has_recording: true });
    expect(call.billable_seconds).toBeGreaterThanOrEqual(0);
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${callId}-agent`).length === 1, 'agent leg hung up');

    await socket.waitFor((events) => events.some((e) => e.event === 'call_ended'));
    const names = socket.received.filter((e) => e.data.call_id === callId).map((e) => e.event);
    expect(names).toEqual(['call_initiated', 'call_ringing', 'call_answered', 'call_ended']);
    socket.socket.close();
  });

  it.each([
    ['busy', 17, 'User busy'],
    ['no_answer', 19, 'No user response'],
    ['failed', 1, 'Unallocated (unassigned) number'],
  ])('ends as %s when the destination answers cause %i', async (status, cause, text) => {
    const { api, ari } = pbx;
    const agent = await agentWithDevice(api);
    const callId = (await api.request('POST', '/api/calls/make', { token: agent.token, body: { to: '1234567' } })).body
      .id;
    const agentLeg = originates(ari).find((o) => o.appArgs[1] === callId)!;
    ari.enterStasis(agentLeg.channelId, agentLeg.appArgs, { app: 'switchboard' });
    await waitFor(
      () => originates(ari).some((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId),
      'dialled',
    );
    ari.hangupChannel(`${callId}-customer`, cause, text);
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === status, status);
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${callId}-agent`).length === 1, 'agent released');
  });

  it('ends as no_answer when the agent does not pick up their own device', async () => {
    const { api, ari } = pbx;
    const agent = await agentWithDevice(api);
    const callId = (await api.request('POST', '/api/calls/make', { token: agent.token, body: { to: '1234567' } })).body
      .id;
    ari.hangupChannel(`${callId}-agent`, 19, 'No user response');
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'no_answer', 'no answer');
    expect(originates(ari).some((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId)).toBe(false);
  });

  it('hangs up over the API: both legs released, the call completed by the agent', async () => {
    const { api, ari } = pbx;
    const { agent, callId } = await answeredOutboundCall();
    const response = await api.request('POST', `/api/calls/${callId}/hangup`, { token: agent.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'completed', ended_by: 'agent' });
    expect(requestsTo(ari, 'DELETE', `/channels/${callId}-customer`).length).toBeGreaterThanOrEqual(1);
    const again = await api.request('POST', `/api/calls/${callId}/hangup`, { token: agent.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('call.not_active');
  });

  it('blind-transfers an answered call into the dialplan and releases the agent', async () => {
    const { api, ari } = pbx;
    const { agent, callId } = await answeredOutboundCall();
    const response = await api.request('POST', `/api/calls/${callId}/transfer`, {
      token: agent.token,
      body: { to: '1002' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'transferred', transferred_to: '1002' });
    const cont = requestsTo(ari, 'POST', `/channels/${callId}-customer/continue`);
    expect(cont[0]!.query).toMatchObject({ context: 'from-agents', extension: '1002', priority: '1' });
    expect(requestsTo(ari, 'DELETE', `/channels/${callId}-agent`)).toHaveLength(1);
  });

  it('refuses to transfer a call that is not answered', async () => {
    const { api } = pbx;
    const agent = await agentWithDevice(api);
    const callId = (await api.request('POST', '/api/calls/make', { token: agent.token, body: { to: '1234567' } })).body
      .id;
    const response = await api.request('POST', `/api/calls/${callId}/transfer`, {
      token: agent.token,
      body: { to: '1002' },
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('call.not_answered');
  });

  it('takes an inbound call from Stasis to the agent, bridges on answer, ends when the agent hangs up', async () => {
    const { api, ari } = pbx;
    const agent = await agentWithDevice(api);
    const socket = await connectSocket(api.baseUrl, { token: agent.token });
    const inbound = ari.enterStasis(`in-${agent.extension}`, ['inbound', agent.sipUsername], { app: 'switchboard' });
    await socket.waitFor((events) => events.some((e) => e.event === 'call_ringing'));
    const callId = socket.received.find((e) => e.event === 'call_ringing')!.data.call_id as string;
    const call = (await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body;
    expect(call).toMatchObject({ direction: 'inbound', status: 'ringing', to_number: String(agent.extension) });
    expect(requestsTo(ari, 'POST', `/channels/${inbound.id}/ring`)).toHaveLength(1);
    const agentLeg = originates(ari).find((o) => o.appArgs[0] === 'inbound-agent' && o.appArgs[1] === callId)!;
    expect(agentLeg.endpoint).toBe(`PJSIP/${agent.sipUsername}`);

    ari.enterStasis(agentLeg.channelId, agentLeg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'in_progress', 'answered');
    expect(requestsTo(ari, 'POST', `/channels/${inbound.id}/answer`)).toHaveLength(1);
    ari.hangupChannel(agentLeg.channelId);
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'completed', 'completed');
    expect((await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body.ended_by).toBe('agent');
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${inbound.id}`).length === 1, 'caller released');
    socket.socket.close();
  });

  it('answers from the console: the agent is rung again with an auto-answer header', async () => {
    const { api, ari } = pbx;
    const agent = await agentWithDevice(api);
    ari.enterStasis(`in-answer-${agent.extension}`, ['inbound', agent.sipUsername], { app: 'switchboard' });
    await waitFor(
      async () => (await api.request('GET', '/api/calls/active', { token: agent.token })).body.items.length === 1,
      'ringing',
    );
    const callId = (await api.request('GET', '/api/calls/active', { token: agent.token })).body.items[0].id;
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'ringing', 'ringing');
    const response = await api.request('POST', `/api/calls/${callId}/answer`, { token: agent.token });
    expect(response.status).toBe(202);
    const legs = originates(ari).filter((o) => o.appArgs[0] === 'inbound-agent' && o.appArgs[1] === callId);
    expect(legs).toHaveLength(2);
    const request = ari.requests.filter((r) => r.method === 'POST' && r.path === '/ari/channels').at(-1)!;
    expect(JSON.parse(request.body).variables).toEqual({ 'PJSIP_HEADER(add,Call-Info)': 'answer-after=0' });
    // The first leg's hangup ends nothing: the call still waits for the new leg.
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${legs[0]!.channelId}`).length === 1, 'old leg released');
    ari.hangupChannel(legs[0]!.channelId, 16);
    await new Promise((r) => setTimeout(r, 200));
    expect(await callStatus(api, agent.token, callId)).toBe('ringing');
  });

  it('hangs up an inbound call for an unknown target', async () => {
    const { ari } = pbx;
    const channel = ari.enterStasis('in-unknown', ['inbound', 'nobody_1000'], { app: 'switchboard' });
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${channel.id}`).length === 1, 'hung up');
  });

  it('answers 502 and records a failed call when Asterisk refuses the originate', async () => {
    const { api, ari } = pbx;
    const agent = await agentWithDevice(api);
    ari.failNext('POST', '/ari/channels', 409, 'Channel with given unique ID already exists');
    const response = await api.request('POST', '/api/calls/make', { token: agent.token, body: { to: '1234567' } });
    expect(response.status).toBe(502);
    expect(response.body.code).toBe('asterisk.ari.conflict');
    const history = await api.request('GET', '/api/calls/history', { token: agent.token });
    expect(history.body.items[0]).toMatchObject({ status: 'failed', ended_by: 'system' });
  });

  it('ends a call whose channel vanished while the ARI WebSocket was down', async () => {
    const { api, ari } = pbx;
    const { agent, callId, customerLeg } = await answeredOutboundCall();
    ari.setAcceptingWebSockets(false);
    ari.dropWebSockets();
    await waitFor(
      async () => (await api.request('GET', '/ready')).body?.checks?.pbx === 'disconnected' || true,
      'down',
    );
    // The customer hangs up while nobody listens: the event is lost.
    ari.hangupChannel(customerLeg.channelId, 16);
    const unavailable = await api.request('POST', '/api/calls/make', { token: agent.token, body: { to: '123' } });
    expect(unavailable.status).toBe(503);
    ari.setAcceptingWebSockets(true);
    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'completed', 'reconciled', 15_000);
    const call = (await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body;
    expect(call.ended_by).toBe('system');
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${callId}-agent`).length === 1, 'agent released');
  });

  it('keeps a call whose channels survived a WebSocket drop', async () => {
    const { api, ari } = pbx;
    const { agent, callId, customerLeg } = await answeredOutboundCall();
    const opened = ari.webSocketsOpened;
    ari.dropWebSockets();
    await waitFor(() => ari.webSocketsOpened > opened, 'a new WebSocket');
    await waitFor(async () => (await api.request('GET', '/ready')).body?.checks?.pbx === 'up', 'reconnected');
    await new Promise((r) => setTimeout(r, 200));
    expect(await callStatus(api, agent.token, callId)).toBe('in_progress');
    ari.hangupChannel(customerLeg.channelId, 16);
    await waitFor(
      async () => (await callStatus(api, agent.token, callId)) === 'completed',
      'completed after reconnect',
    );
  });

  it('lists active calls, history with filters, statistics and notes', async () => {
    const { api } = pbx;
    const { agent, callId } = await answeredOutboundCall('5511999990000');
    const active = await api.request('GET', '/api/calls/active', { token: agent.token });
    expect(active.body.items.map((c: { id: string }) => c.id)).toEqual([callId]);
    await api.request('POST', `/api/calls/${callId}/hangup`, { token: agent.token });

    const byNumber = await api.request('GET', '/api/calls/history?number=999990000', { token: agent.token });
    expect(byNumber.body.items.map((c: { id: string }) => c.id)).toEqual([callId]);
    const byStatus = await api.request('GET', '/api/calls/history?status=busy', { token: agent.token });
    expect(byStatus.body.items).toEqual([]);

    const note = await api.request('POST', `/api/calls/${callId}/notes`, {
      token: agent.token,
      body: { body: 'Customer wants a callback' },
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ call_id: callId, author_id: agent.id, body: 'Customer wants a callback' });
    const notes = await api.request('GET', `/api/calls/${callId}/notes`, { token: agent.token });
    expect(notes.body.items).toHaveLength(1);
    const empty = await api.request('POST', `/api/calls/${callId}/notes`, { token: agent.token, body: { body: '  ' } });
    expect(empty.status).toBe(400);

    const admin = await api.adminToken();
    const stats = await api.request('GET', '/api/calls/statistics?timezone=America/Sao_Paulo', { token: admin });
    expect(stats.status).toBe(200);
    expect(stats.body.total).toBeGreaterThanOrEqual(1);
    expect(stats.body.answered).toBeGreaterThanOrEqual(1);
    expect(stats.body.answer_rate).toBeGreaterThan(0);
    expect(stats.body.by_status.completed).toBeGreaterThanOrEqual(1);
    expect(stats.body.by_agent.some((a: { agent_id: string }) => a.agent_id === agent.id)).toBe(true);
    expect(stats.body.by_hour[0].hour).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00$/);
    const own = await api.request('GET', '/api/calls/statistics', { token: agent.token });
    expect(own.body.by_agent.every((a: { agent_id: string }) => a.agent_id === agent.id)).toBe(true);
    const badZone = await api.request('GET', '/api/calls/statistics?timezone=Mars/Olympus', { token: admin });
    expect(badZone.status).toBe(400);
  });

  it('pages history with a cursor, newest first, without repeats', async () => {
    const { api } = pbx;
    const agent = await agentWithDevice(api);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(
        (await api.request('POST', '/api/calls/make', { token: agent.token, body: { to: `55119000${i}` } })).body.id,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const query: string = `/api/calls/history?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await api.request('GET', query, { token: agent.token });
      seen.push(...response.body.items.map((c: { id: string }) => c.id));
      cursor = response.body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('keeps agents to their own calls and other companies out entirely', async () => {
    const { api } = pbx;
    const { callId } = await answeredOutboundCall();
    const colleague = await agentWithDevice(api);
    for (const [method, path] of [
      ['GET', `/api/calls/${callId}`],
      ['POST', `/api/calls/${callId}/hangup`],
      ['GET', `/api/calls/${callId}/notes`],
      ['GET', `/api/calls/${callId}/recording`],
    ] as const) {
      const response = await api.request(method, path, { token: colleague.token });
      expect(response.status).toBe(404);
    }
    const supervisorHistory = await api.request('GET', '/api/calls/history', { token: await api.adminToken() });
    expect(supervisorHistory.body.items.some((c: { id: string }) => c.id === callId)).toBe(true);
    const socket = await connectSocket(api.baseUrl, { token: colleague.token });
    const ack = await socket.socket.emitWithAck('join_call', { call_id: callId });
    expect(ack.error.code).toBe('call.not_found');
    socket.socket.close();
  });

  it('streams the recording with Range support to the call’s agent', async () => {
    const { api, ari } = pbx;
    const { agent, callId } = await answeredOutboundCall();
    const record = requestsTo(ari, 'POST', `/bridges/${callId}/record`)[0]!;
    const dir = api.config.asterisk.recordingsDir;
    mkdirSync(dir, { recursive: true });
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    writeFileSync(join(dir, `${record.query.name}.wav`), bytes);
    const full = await api.request('GET', `/api/calls/${callId}/recording`, { token: agent.token });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('audio/wav');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(full.headers.get('content-length'))).toBe(1000);
    const part = await fetch(`${api.baseUrl}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${agent.token}`, range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
    const outside = await api.request('GET', `/api/calls/${callId}/recording`, {
      token: agent.token,
      headers: { range: 'bytes=5000-' },
    });
    expect(outside.status).toBe(416);
    expect(record.query.name).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lets a following socket receive the call’s events after join_call', async () => {
    const { api, ari } = pbx;
    const { agent, callId, customerLeg } = await answeredOutboundCall();
    const socket = await connectSocket(api.baseUrl, { token: agent.token });
    expect(await socket.socket.emitWithAck('join_call', { call_id: callId })).toEqual({ ok: true });
    ari.hangupChannel(customerLeg.channelId, 16);
    await socket.waitFor((events) => events.some((e) => e.event === 'call_ended' && e.data.call_id === callId));
    expect(await socket.socket.emitWithAck('leave_call', { call_id: callId })).toEqual({ ok: true });
    socket.socket.close();
  });
});

describe('calls without a PBX', () => {
  it('answers 503 pbx.unavailable and writes nothing', async () => {
    const api = await startTestServer();
    try {
      const token = await api.adminToken();
      const response = await api.request('POST', '/api/calls/make', { token, body: { to: '1234' } });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('pbx.unavailable');
      expect((await api.request('GET', '/api/calls/history', { token })).body.items).toEqual([]);
      expect((await api.request('GET', '/ready')).body.checks.pbx).toBe('not_configured');
      const bad = await api.request('POST', '/api/calls/make', { token, body: { to: 'not a number' } });
      expect(bad.status).toBe(400);
    } finally {
      await api.close();
    }
  });
});
